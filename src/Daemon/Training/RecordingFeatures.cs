using SensorOdl.Daemon.Pipeline;
using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Recordings;
using SensorOdl.Drivers.Replay;
using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Daemon.Training;

/// <summary>Where a feature vector came from: recording, frame, and the fan speed at that frame (segments of hmlo recordings).</summary>
public readonly record struct FrameOrigin(RecordingEntry Recording, int FrameIndex, string? Speed);

/// <summary>
/// Feature vectors of recordings, read through the same replay sensor and feature transform the daemon runs, so that
/// a model trained on them accepts the daemon's replay windows (same transform, same configuration).
/// </summary>
public sealed class RecordingFeatures
{
    RecordingFeatures(SensorFormat format, FeatureConfiguration config, int size, float[] features, FrameOrigin[] origins)
    {
        Format = format;
        Config = config;
        Size = size;
        Features = features;
        Origins = origins;
    }

    public SensorFormat Format { get; }
    public FeatureConfiguration Config { get; }
    public int Size { get; }
    /// <summary>[Count, Size]</summary>
    public float[] Features { get; }
    public FrameOrigin[] Origins { get; }
    public int Count => Origins.Length;

    public ReadOnlySpan<float> Row(int index) => Features.AsSpan(index * Size, Size);

    public static RecordingFeatures Read(string data, string filter, int windowSize = 1024)
    {
        using var replay = new ReplaySensor(new ReplaySettings(data, filter, Speed: 0, Loop: false), windowSize);
        var transform = new FeatureTransform(replay.Format);
        SensorFrame frame = replay.CreateFrame();
        var features = new List<float>();
        var origins = new List<FrameOrigin>();
        var row = new float[transform.Size];
        while (replay.Read(frame) == SensorReadResult.Ok)
        {
            if (!transform.Extract(frame, row).IsUsable()) continue;
            features.AddRange(row);
            origins.Add(new FrameOrigin(frame.Recording!, frame.FrameIndex, frame.Recording!.SpeedAt(frame.FrameIndex)));
        }
        return new RecordingFeatures(replay.Format, transform.Configuration, transform.Size, [.. features], [.. origins]);
    }
}
