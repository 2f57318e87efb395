using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Replay;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Tests.Support;

namespace SensorOdl.Drivers.Tests.Replay;

/// <summary>The raw-signal path on real bearing data: replay → window → features.</summary>
public class ReplayFeatureTests
{
    private static (double Kurtosis, double Rms, int Windows, int Unusable) MeanFeatures(string filter)
    {
        using var sensor = new ReplaySensor(new ReplaySettings(SharedData.Cwru, filter, Speed: 0), pacer: new FakePacer());
        var frame = sensor.CreateFrame();
        var extractor = new FeatureExtractor(sensor.Format.ToFeatureSettings());
        var features = new float[extractor.FeatureCount];
        double kurtosis = 0, rms = 0;
        int windows = 0, unusable = 0;
        while (sensor.Read(frame) == SensorReadResult.Ok)
        {
            var flags = frame.ExtractFeatures(extractor, features);
            if (!flags.IsUsable()) unusable++;
            kurtosis += features[extractor.Layout.Kurtosis];
            rms += features[extractor.Layout.Rms];
            windows++;
        }
        return (kurtosis / windows, rms / windows, windows, unusable);
    }

    [Fact]
    public void Replay_of_cwru_bearing_faults_gives_windows_with_higher_kurtosis_and_level_than_normal()
    {
        var normal = MeanFeatures("state=normal");
        var outer = MeanFeatures("fault=OR@6,load_hp=0");
        var inner = MeanFeatures("fault=IR,load_hp=0");

        Assert.Equal(59, normal.Windows);
        Assert.Equal(0, normal.Unusable + outer.Unusable + inner.Unusable);
        Assert.InRange(normal.Kurtosis, 2.3, 3.3);
        Assert.True(outer.Kurtosis > normal.Kurtosis + 2, $"outer race {outer.Kurtosis} vs normal {normal.Kurtosis}");
        Assert.True(inner.Kurtosis > normal.Kurtosis + 1, $"inner race {inner.Kurtosis} vs normal {normal.Kurtosis}");
        Assert.True(outer.Rms > 5 * normal.Rms);
    }
}
