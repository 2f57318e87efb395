using SensorOdl.Drivers.Features;

namespace SensorOdl.Drivers.Tests.Features;

public class NormaliserTests
{
    [Fact]
    public void Normaliser_standardises_what_it_was_fitted_on()
    {
        var vectors = Enumerable.Range(0, 100).Select(i => new float[] { i, 5, -3 * i + 7 }).ToArray();
        var normaliser = FeatureNormaliser.Fit(vectors);

        var z = vectors.Select(v => { var o = new float[3]; normaliser.Apply(v, o); return o; }).ToArray();

        Assert.Equal(0, z.Average(v => v[0]), 4);
        Assert.Equal(1, Math.Sqrt(z.Average(v => v[0] * v[0])), 4);
        Assert.Equal(0, z.Average(v => v[2]), 4);
        Assert.All(z, v => Assert.Equal(0, v[1])); // constant feature: std floored, no division by zero
    }

    [Fact]
    public void Normaliser_round_trips_through_plain_arrays()
    {
        var normaliser = FeatureNormaliser.FromArrays([1, 2], [0.5f, 4]);
        var (mean, std) = normaliser.ToArrays();
        var again = FeatureNormaliser.FromArrays(mean, std);

        var z = new float[2];
        again.Apply([2, 10], z);
        Assert.Equal([2f, 2f], z);
        again.Invert(z, z);
        Assert.Equal([2f, 10f], z);
    }

    [Fact]
    public void Normaliser_refuses_bad_statistics_and_bad_vectors()
    {
        Assert.Throws<ArgumentException>(() => FeatureNormaliser.FromArrays([1, 2], [1]));
        Assert.Throws<ArgumentException>(() => FeatureNormaliser.FromArrays([1], [0]));
        Assert.Throws<ArgumentException>(() => FeatureNormaliser.FromArrays([float.NaN], [1]));

        var builder = new FeatureNormaliserBuilder(2);
        Assert.False(builder.Add([float.NaN, 1]));
        Assert.True(builder.Add([1, 1]));
        Assert.Equal(1, builder.Count);
    }
}

public class FeatureSettingsTests
{
    [Fact]
    public void Features_settings_name_the_first_mismatch_with_a_trained_model()
    {
        var trained = new FeatureSettings(12_000, 1024, BandCount: 16);
        Assert.Null(new FeatureSettings(12_000, 1024, BandCount: 16).MismatchWith(trained));
        Assert.Null(new FeatureSettings(12_000, 1024, BandCount: 16, MaxHz: 6000, FullScale: 2).MismatchWith(trained));
        Assert.Contains("3200 Hz", new FeatureSettings(3200, 1024).MismatchWith(trained));
        Assert.Contains("2048", new FeatureSettings(12_000, 2048).MismatchWith(trained));
        Assert.Contains("8 bands from 20", new FeatureSettings(12_000, 1024, BandCount: 8).MismatchWith(new FeatureSettings(12_000, 1024, BandCount: 8, MinHz: 20)));
    }

    [Fact]
    public void Features_settings_for_a_spectrum_format_line_up_with_its_bins()
    {
        var format = Drivers.Sensors.SensorFormat.Spectrum(512, 1.0, 2.047);
        var settings = format.ToFeatureSettings();
        Assert.Equal(1.0, settings.SampleRateHz / settings.WindowSize);
        Assert.Equal(1024, settings.WindowSize);
    }
}
