using System.Text.Json;
using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Tests.Support;

namespace SensorOdl.Drivers.Tests.Features;

public class StatisticsTests
{
    [Fact]
    public void Statistics_kurtosis_matches_hand_computed_value()
    {
        // 1..5: mean 3, deviations -2..2, m2 = 10/5 = 2, m4 = 34/5 = 6.8, kurtosis = 6.8 / 2² = 1.7
        Assert.Equal(1.7, WindowStatistics.Of([1, 2, 3, 4, 5]).Kurtosis, 6);
        // 0,0,0,0,10: mean 2, m2 = (4·4 + 64)/5 = 16, m4 = (4·16 + 4096)/5 = 832, kurtosis = 832/256 = 3.25
        Assert.Equal(3.25, WindowStatistics.Of([0, 0, 0, 0, 10]).Kurtosis, 6);
    }

    [Fact]
    public void Statistics_crest_factor_of_a_sine_is_sqrt2()
    {
        // 16 whole periods of 64 samples: the peak sample is exactly 1
        var sine = Signals.Sine(1024, 6400, 100, amplitude: 3);
        var stats = WindowStatistics.Of(sine);
        Assert.Equal(Math.Sqrt(2), stats.CrestFactor, 4);
        Assert.Equal(3 / Math.Sqrt(2), stats.Rms, 4);
        Assert.Equal(1.5, stats.Kurtosis, 3);

        var extractor = new FeatureExtractor(new FeatureSettings(6400));
        var features = new float[extractor.FeatureCount];
        extractor.Extract(sine, features);
        Assert.Equal(Math.Sqrt(2), features[extractor.Layout.Crest], 3);
    }

    [Fact]
    public void Statistics_of_gaussian_noise_have_kurtosis_near_three()
    {
        var stats = WindowStatistics.Of(Signals.GaussianNoise(200_000, 0.5, seed: 7));
        Assert.InRange(stats.Kurtosis, 2.95, 3.05);
        Assert.InRange(stats.Rms, 0.495, 0.505);
    }

    [Theory]
    [InlineData("normal_L0_X097.f32")]
    [InlineData("OR007at6_L0_X130.f32")]
    [InlineData("IR007_L0_X105.f32")]
    public void Statistics_of_cwru_recordings_match_the_manifest(string file)
    {
        var x = SharedData.ReadF32(Path.Combine(SharedData.Cwru, file));
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(SharedData.Cwru, "manifest.json")));
        var entry = manifest.RootElement.GetProperty("recordings").EnumerateArray()
            .Single(r => r.GetProperty("file").GetString() == file);
        var expected = entry.GetProperty("stats");

        var stats = WindowStatistics.Of(x);

        Assert.Equal(expected.GetProperty("kurtosis_pearson").GetDouble(), stats.Kurtosis, 3);
        Assert.Equal(expected.GetProperty("rms").GetDouble(), stats.Rms, 4);
        Assert.Equal(expected.GetProperty("crest_factor").GetDouble(), stats.CrestFactor, 3);
    }

    [Fact]
    public void Statistics_of_a_constant_window_report_zero_kurtosis_and_crest_of_one()
    {
        var stats = WindowStatistics.Of([2, 2, 2, 2]);
        Assert.Equal(0, stats.Kurtosis);
        Assert.Equal(0, stats.Variance);
        Assert.Equal(1, stats.CrestFactor, 6);
    }
}
