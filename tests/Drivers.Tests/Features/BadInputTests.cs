using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Tests.Support;

namespace SensorOdl.Drivers.Tests.Features;

public class BadInputTests
{
    private readonly FeatureExtractor _extractor = new(new FeatureSettings(4096, WindowSize: 1024, FullScale: 2));
    private readonly float[] _features;

    public BadInputTests() => _features = new float[_extractor.FeatureCount];

    [Fact]
    public void Features_flag_NaN_and_infinity_and_stay_finite()
    {
        var x = Signals.Sine(1024, 4096, 64);
        x[10] = float.NaN;
        x[500] = float.PositiveInfinity;

        var flags = _extractor.Extract(x, _features);

        Assert.True(flags.HasFlag(WindowFlags.NonFinite));
        Assert.False(flags.IsUsable());
        Assert.All(_features, f => Assert.True(float.IsFinite(f)));
    }

    [Fact]
    public void Features_flag_samples_at_full_scale_as_clipped()
    {
        var x = Signals.Sine(1024, 4096, 64, amplitude: 3);
        for (int i = 0; i < x.Length; i++) x[i] = Math.Clamp(x[i], -2f, 2f);

        Assert.True(_extractor.Extract(x, _features).HasFlag(WindowFlags.Clipped));
        Assert.Equal(WindowFlags.None, _extractor.Extract(Signals.Sine(1024, 4096, 64, amplitude: 1.9), _features));
    }

    [Fact]
    public void Features_flag_a_flat_top_as_clipped_when_full_scale_is_unknown()
    {
        var extractor = new FeatureExtractor(new FeatureSettings(4096));
        var x = Signals.Sine(1024, 4096, 64, amplitude: 1);
        for (int i = 0; i < x.Length; i++) x[i] = Math.Min(x[i], 0.7f);

        Assert.True(extractor.Extract(x, _features).HasFlag(WindowFlags.Clipped));
        Assert.False(extractor.Extract(Signals.GaussianNoise(1024, 1, 5), _features).HasFlag(WindowFlags.Clipped));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(700)]
    public void Features_flag_a_short_window_without_crashing(int length)
    {
        var flags = _extractor.Extract(Signals.Sine(length, 4096, 64, 0.5, phase: 0.3), _features);

        Assert.True(flags.HasFlag(WindowFlags.ShortWindow));
        Assert.All(_features, f => Assert.True(float.IsFinite(f)));
    }

    [Fact]
    public void Features_flag_a_dead_channel_as_flat()
    {
        var flags = _extractor.Extract(new float[1024], _features);
        Assert.True(flags.HasFlag(WindowFlags.Flat));
        Assert.All(_features, f => Assert.True(float.IsFinite(f)));
    }

    [Fact]
    public void Features_allocate_nothing_per_window_in_steady_state()
    {
        var x = Signals.GaussianNoise(1024, 0.2, 9);
        var spectrum = new float[512];
        for (int i = 0; i < 512; i++) spectrum[i] = Math.Abs(x[i]);
        _extractor.Extract(x, _features);
        _extractor.ExtractSpectrum(spectrum, 1.0, _features);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
        {
            _extractor.Extract(x, _features);
            _extractor.ExtractSpectrum(spectrum, 1.0, _features);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Features_of_a_spectrum_frame_say_there_was_no_waveform()
    {
        var spectrum = new float[512];
        spectrum[45] = 2;
        var flags = _extractor.ExtractSpectrum(spectrum, 1.0, _features);

        Assert.Equal(WindowFlags.NoWaveform, flags);
        Assert.True(flags.IsUsable());
        Assert.Equal(45, _features[_extractor.Layout.DominantHz], 1);
        Assert.Equal(Math.Sqrt(2), _features[_extractor.Layout.Rms], 4);
    }
}
