using SensorOdl.Daemon.Pipeline;
using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Recordings;
using SensorOdl.Drivers.Replay;
using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Daemon.Training;

/// <summary>Where a feature vector came from: recording, frame, and the fan speed at that frame (segments of hmlo recordings).</summary>
public readonly record struct FrameOrigin(RecordingEntry Recording, int FrameIndex, string? Speed);

/// <summary>
/// Feature vectors of recordings, read through the same replay sensor and vectoriser the daemon runs, so that
/// a model trained on them accepts the daemon's replay windows (same transform, same configuration string).
/// </summary>
public sealed class RecordingFeatures
{
    RecordingFeatures(string config, int size, float[] features, FrameOrigin[] origins)
    {
        Config = config;
        Size = size;
        Features = features;
        Origins = origins;
    }

    public string Config { get; }
    public int Size { get; }
    /// <summary>[Count, Size]</summary>
    public float[] Features { get; }
    public FrameOrigin[] Origins { get; }
    public int Count => Origins.Length;

    public ReadOnlySpan<float> Row(int index) => Features.AsSpan(index * Size, Size);

    public static RecordingFeatures Read(string data, string filter, int windowSize = 1024)
    {
        using var replay = new ReplaySensor(new ReplaySettings(data, filter, Speed: 0, Loop: false, WindowSize: windowSize));
        var vectorizer = new FeatureVectorizer(replay.Format);
        SensorFrame frame = replay.CreateFrame();
        var features = new List<float>();
        var origins = new List<FrameOrigin>();
        var row = new float[vectorizer.Size];
        while (replay.Read(frame) == SensorReadResult.Ok)
        {
            if (!vectorizer.Extract(frame, row).IsUsable()) continue;
            features.AddRange(row);
            origins.Add(new FrameOrigin(frame.Recording!, frame.FrameIndex, frame.Recording!.SpeedAt(frame.FrameIndex)));
        }
        return new RecordingFeatures(vectorizer.Config, vectorizer.Size, [.. features], [.. origins]);
    }
}
