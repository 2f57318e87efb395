using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Tests.Support;

namespace SensorOdl.Drivers.Tests.Features;

public class FeatureTransformTests
{
    [Fact]
    public void Waveform_transform_concatenates_each_channels_window_features()
    {
        var format = SensorFormat.Waveform(256, 3200, ["x", "y", "z"], ["g", "g", "g"], 16);
        var frame = new SensorFrame(format) { Count = 256 };
        Signals.Sine(256, 3200, 100, 0.5).CopyTo(frame.ChannelBuffer(0));
        Signals.Sine(256, 3200, 400, 1.0).CopyTo(frame.ChannelBuffer(1));
        Signals.GaussianNoise(256, 0.2, seed: 7).CopyTo(frame.ChannelBuffer(2));
        var transform = new FeatureTransform(format);
        var features = new float[transform.Size];

        var flags = transform.Extract(frame, features);

        Assert.Equal(WindowFlags.None, flags);
        Assert.Equal(3 * 21, transform.Size);
        var extractor = new FeatureExtractor(format.ToFeatureSettings());
        var expected = new float[extractor.FeatureCount];
        for (int c = 0; c < 3; c++)
        {
            extractor.Extract(frame.Channel(c), expected);
            Assert.Equal(expected, features.AsSpan(c * 21, 21).ToArray());
        }
        Assert.Equal(400, features[21 + extractor.Layout.DominantHz], 1.0);
    }

    [Fact]
    public void Waveform_transform_adds_the_frames_own_flags_to_each_channels()
    {
        var format = SensorFormat.Waveform(64, 1000, ["a", "b"], ["V", "V"]);
        var frame = new SensorFrame(format) { Count = 64, Flags = WindowFlags.Overrun };
        Signals.Sine(64, 1000, 50).CopyTo(frame.ChannelBuffer(0)); // channel b stays 0: flat, stuck at 0
        var transform = new FeatureTransform(format);

        var flags = transform.Extract(frame, new float[transform.Size]);

        Assert.Equal(WindowFlags.Overrun | WindowFlags.Flat | WindowFlags.StuckAt, flags);
    }

    [Fact]
    public void Spectrum_transform_takes_the_log_of_every_bin_but_dc()
    {
        var format = SensorFormat.Spectrum(6, 1.0, 2.0);
        var frame = new SensorFrame(format) { Count = 6 };
        float[] bins = [9, 0.5f, 0, 2, -1, 0.001f];
        bins.CopyTo(frame.ChannelBuffer(0));
        var transform = new FeatureTransform(format);
        var features = new float[transform.Size];

        var flags = transform.Extract(frame, features);

        Assert.Equal(WindowFlags.None, flags);
        Assert.Equal(5, transform.Size);
        Assert.Equal([MathF.Log(0.501f), MathF.Log(0.001f), MathF.Log(2.001f), MathF.Log(0.001f), MathF.Log(0.002f)], features);
    }

    [Fact]
    public void Spectrum_transform_flags_non_finite_bins_short_frames_and_keeps_the_frames_flags()
    {
        var format = SensorFormat.Spectrum(5, 1.0, 2.0);
        var frame = new SensorFrame(format) { Count = 3, Flags = WindowFlags.SensorFault };
        float[] bins = [1, float.NaN, 4];
        bins.CopyTo(frame.ChannelBuffer(0));
        var transform = new FeatureTransform(format);
        var features = new float[transform.Size];

        var flags = transform.Extract(frame, features);

        Assert.Equal(WindowFlags.SensorFault | WindowFlags.NonFinite | WindowFlags.ShortWindow, flags);
        Assert.Equal([MathF.Log(0.001f), MathF.Log(4.001f), MathF.Log(0.001f), MathF.Log(0.001f)], features);
    }

    [Fact]
    public void Transform_refuses_a_feature_span_too_short()
    {
        var transform = new FeatureTransform(SensorFormat.Spectrum(8, 1.0, 1.0));
        var frame = new SensorFrame(transform.Format) { Count = 8 };
        Assert.Throws<ArgumentException>(() => transform.Extract(frame, new float[6]));
    }

    [Fact]
    public void Transform_allocates_nothing_per_window()
    {
        var format = SensorFormat.Waveform(1024, 12_000, ["accel"], ["g"]);
        var frame = new SensorFrame(format) { Count = 1024 };
        Signals.GaussianNoise(1024, 1, seed: 3).CopyTo(frame.ChannelBuffer(0));
        var transform = new FeatureTransform(format);
        var features = new float[transform.Size];
        transform.Extract(frame, features);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) transform.Extract(frame, features);

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
