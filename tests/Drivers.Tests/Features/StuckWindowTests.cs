using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Tests.Support;

namespace SensorOdl.Drivers.Tests.Features;

/// <summary>Each way a sensor gets stuck is flagged, through the transform the daemon scores with, and makes the window unusable.</summary>
public class StuckWindowTests
{
    private const int Window = 1024;
    private const double Rate = 4096, FullScale = 16, Lsb = 0.0039; // an ADXL345 at ±16 g, 3.9 mg per code
    private readonly FeatureTransform _transform = new(SensorFormat.Waveform(Window, Rate, ["x", "y"], ["g", "g"], FullScale));
    private readonly float[] _features;

    public StuckWindowTests() => _features = new float[_transform.Size];

    public static TheoryData<string, WindowFlags> StuckKinds => new()
    {
        { "constant", WindowFlags.StuckAt | WindowFlags.Flat },
        { "zeros", WindowFlags.StuckAt | WindowFlags.Flat },
        { "full scale", WindowFlags.StuckAt | WindowFlags.Flat | WindowFlags.Clipped },
        { "NaN burst", WindowFlags.NonFinite },
        { "all NaN", WindowFlags.NonFinite | WindowFlags.StuckAt | WindowFlags.Flat },
        { "stuck on a code, last bit toggling", WindowFlags.StuckAt },
        { "stuck between three codes", WindowFlags.StuckAt },
    };

    [Theory]
    [MemberData(nameof(StuckKinds))]
    public void A_stuck_channel_makes_the_window_unusable(string kind, WindowFlags expected)
    {
        var frame = LiveFrame();
        Stick(frame.ChannelBuffer(1), kind); // one live channel does not save the window

        var flags = _transform.Extract(frame, _features);

        Assert.Equal(expected, flags & (expected | WindowFlagsExtensions.Bad));
        Assert.False(flags.IsUsable());
        Assert.All(_features, f => Assert.True(float.IsFinite(f)));
    }

    [Fact]
    public void A_live_channel_is_not_stuck_even_when_quiet()
    {
        var frame = LiveFrame();
        var quiet = frame.ChannelBuffer(1);
        var noise = Signals.GaussianNoise(Window, 1.5 * Lsb, seed: 9);
        for (int i = 0; i < Window; i++) quiet[i] = 1 + MathF.Round(noise[i] / (float)Lsb) * (float)Lsb; // a machine at rest: ±a few codes

        Assert.Equal(WindowFlags.None, _transform.Extract(frame, _features));
    }

    [Fact]
    public void Stuck_detection_needs_a_repeated_single_value_in_a_short_window()
    {
        Assert.Equal(WindowFlags.StuckAt, SampleQuality.DetectStuck([2, 2, 2, 2, 2, 2, 2, 2]));
        Assert.Equal(WindowFlags.None, SampleQuality.DetectStuck([2, 2, 2, 3, 2, 2, 3, 2])); // a slow signal's few codes
        float[] twoCodes = [.. Enumerable.Range(0, SampleQuality.StuckMinSamples).Select(i => i % 2 == 0 ? 2f : 3f)];
        Assert.Equal(WindowFlags.StuckAt, SampleQuality.DetectStuck(twoCodes));
        float[] fourCodes = [.. Enumerable.Range(0, SampleQuality.StuckMinSamples).Select(i => (float)(i % 4))];
        Assert.Equal(WindowFlags.None, SampleQuality.DetectStuck(fourCodes));
        Assert.Equal(WindowFlags.None, SampleQuality.DetectStuck([]));
    }

    [Fact]
    public void A_spectrum_frozen_at_one_level_is_stuck()
    {
        var spectra = new FeatureTransform(SensorFormat.Spectrum(512, 1, 1));
        var frame = new SensorFrame(spectra.Format) { Count = 512 };
        var features = new float[spectra.Size];
        frame.ChannelBuffer(0).Fill(0.25f);
        Assert.True(spectra.Extract(frame, features).HasFlag(WindowFlags.StuckAt));

        Signals.GaussianNoise(512, 1, seed: 3).Select(MathF.Abs).ToArray().CopyTo(frame.ChannelBuffer(0));
        Assert.True(spectra.Extract(frame, features).IsUsable());
    }

    private SensorFrame LiveFrame()
    {
        var frame = new SensorFrame(_transform.Format) { Count = Window };
        Signals.Sine(Window, Rate, 97, amplitude: 0.5).CopyTo(frame.ChannelBuffer(0));
        var noise = Signals.GaussianNoise(Window, 0.2, seed: 4);
        var y = frame.ChannelBuffer(1);
        for (int i = 0; i < Window; i++) y[i] = 1 + noise[i];
        Assert.Equal(WindowFlags.None, _transform.Extract(frame, new float[_transform.Size]));
        return frame;
    }

    private static void Stick(Span<float> x, string kind)
    {
        var random = new Random(7);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = kind switch
            {
                "constant" => 0.37f,
                "zeros" => 0,
                "full scale" => (float)FullScale,
                "NaN burst" => i is >= 200 and < 260 ? float.NaN : x[i],
                "all NaN" => float.NaN,
                "stuck on a code, last bit toggling" => 0.37f + random.Next(2) * (float)Lsb,
                "stuck between three codes" => 0.37f + random.Next(3) * (float)Lsb,
                _ => throw new ArgumentException(kind),
            };
        }
    }
}
