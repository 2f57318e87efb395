using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Recordings;

namespace SensorOdl.Drivers.Sensors;

/// <summary>
/// One window of samples (channel-major, <c>[Channels, Length]</c>) or one spectrum frame (<c>[1, bins]</c>), reused from
/// read to read so that steady-state reading allocates nothing. Create it with <see cref="ISensor.CreateFrame"/>.
/// </summary>
public sealed class SensorFrame
{
    private readonly float[] _data;

    public SensorFrame(SensorFormat format)
    {
        Format = format;
        _data = new float[format.Channels * format.Length];
    }

    public SensorFormat Format { get; }
    public FrameKind Kind => Format.Kind;
    public int Channels => Format.Channels;

    /// <summary>Samples (or bins) per channel actually filled; below <see cref="SensorFormat.Length"/> only for a short window.</summary>
    public int Count { get; set; }

    /// <summary>Start of the frame on the data's clock, in seconds: Unix time for a live sensor, stream time for a replay.</summary>
    public double TimestampS { get; set; }

    /// <summary>Start of the frame within its recording, in seconds (replay); equal to <see cref="TimestampS"/> otherwise.</summary>
    public double RecordingTimeS { get; set; }

    /// <summary>Frames produced by the source so far, starting at 0.</summary>
    public long Sequence { get; set; }

    /// <summary>Problems the source noticed while filling the frame (e.g. <see cref="WindowFlags.SensorFault"/>).</summary>
    public WindowFlags Flags { get; set; }

    /// <summary>The recording the frame came from (replay), else null.</summary>
    public RecordingEntry? Recording { get; set; }

    /// <summary>Index of the frame (spectrum) or window (waveform) within <see cref="Recording"/>.</summary>
    public int FrameIndex { get; set; }

    /// <summary>The filled samples of channel <paramref name="channel"/>.</summary>
    public Span<float> Channel(int channel) => _data.AsSpan(channel * Format.Length, Count);

    /// <summary>The whole buffer of channel <paramref name="channel"/> (for sources filling it).</summary>
    public Span<float> ChannelBuffer(int channel) => _data.AsSpan(channel * Format.Length, Format.Length);

    /// <summary>Features of channel <paramref name="channel"/>, whichever kind the frame is; returns the window's flags plus the frame's own.</summary>
    public WindowFlags ExtractFeatures(FeatureExtractor extractor, Span<float> features, int channel = 0) =>
        Flags | (Kind == FrameKind.Waveform
            ? extractor.Extract(Channel(channel), features)
            : extractor.ExtractSpectrum(Channel(channel), Format.BinHz, features));
}
