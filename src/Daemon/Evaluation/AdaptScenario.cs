using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Daemon.Training;
using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Recordings;
using SensorOdl.Drivers.Replay;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.FineTuning;

namespace SensorOdl.Daemon.Evaluation;

/// <summary>Windows that count as one kind of fault, by a manifest filter.</summary>
public sealed record FaultGroup(string Name, string Filter);

/// <summary>What one source → target scenario is made of.</summary>
public sealed record ScenarioRequest(string Data, string Train, string Target, IReadOnlyList<FaultGroup> Faults, string? Exemplars, int BaseEpochs);

/// <summary>[n, d] features of a set of windows, extracted once; for waveforms, with <see cref="Probes"/> ([p·k, d] synthetic
/// fault probes of the <see cref="ProbedWindows"/> windows that gave them, made from the raw windows as the daemon makes them).</summary>
public sealed record WindowSet(float[] Features, int Count, float[]? Probes = null, int ProbedWindows = 0);

/// <summary>
/// One source → target replay through the daemon's own pipeline (window monitor, drift detector, sample store,
/// adaptation coordinator, registry) on a temporary state directory, in accelerated time on the recordings'
/// clock. Target-normal frames are cut per recording into blocks of 20 from frame 0, and the blocks alternate between
/// the stream and the held-back set for the false-alarm rate — the first recording streams its even blocks, the second
/// its odd ones, and so on, so that both halves hold recording starts (a fan spinning up) and speed steps alike; fault
/// frames stream last, with adaptation off, and count for
/// recall only where the machine turns (a fan standing still looks the same broken or not). What is judged
/// afterwards is kept as features, extracted once.
/// </summary>
public sealed class AdaptScenario
{
    const int Block = 20;

    public required SensorFormat Format { get; init; }
    public required AnomalyModel Base { get; init; }
    public required AnomalyModel Final { get; init; }
    public required int FinalVersion { get; init; }
    public required WindowSet Source { get; init; }
    public required WindowSet Streamed { get; init; }
    public required WindowSet HeldBack { get; init; }
    /// <summary>Per fault group, the windows where the machine turns.</summary>
    public required Dictionary<string, WindowSet> Faults { get; init; }
    public required long DriftDelayWindows { get; init; }
    public required IReadOnlyList<FinishedJob> Jobs { get; init; }
    public required IReadOnlyList<(string Type, long Ts, System.Text.Json.Nodes.JsonObject? Fields)> Events { get; init; }
    /// <summary>Status `attention` when the target's normal windows had streamed (before the fault windows), null when none.</summary>
    public required AttentionNotice? Attention { get; init; }
    public int FeatureSize => Base.InputSize;
    public int Promoted => Jobs.Count(j => j.Promoted);
    public int Rejected => Jobs.Count(j => !j.Promoted);
    public FinishedJob? LastPromotedJob => Jobs.LastOrDefault(j => j.Promoted);

    public static AdaptScenario Run(DaemonSettings settings, ScenarioRequest request, TextWriter log, CancellationToken cancellation)
    {
        string stateDirectory = Directory.CreateTempSubdirectory("sensorodl-adapt-eval-").FullName;
        try { return Run(settings, request, stateDirectory, log, cancellation); }
        finally { Directory.Delete(stateDirectory, recursive: true); }
    }

    static AdaptScenario Run(DaemonSettings settings, ScenarioRequest request, string stateDirectory, TextWriter log, CancellationToken cancellation)
    {
        var live = new LiveSettings(settings with { Storage = settings.Storage with { SampleIntervalSeconds = 0 } });
        int windowSize = settings.Sensor.WindowSize;
        AnomalyModel baseModel = BaseModelTraining.Autoencoder(
            BaseTrainingRequest.For(request.Data, request.Train, windowSize, request.BaseEpochs, settings.Anomaly),
            request.Exemplars, log, cancellation);
        // Both sides of the speed ratio are timed on compiled code: training the base compiled the full retrain's loops,
        // this compiles the fine-tuning method's (otherwise the first pair's jobs carry it; docs/BENCHMARKS.md, issue 9).
        if (FineTuneMethods.IsKnown(settings.Adaptation.Method))
            FineTuneMethods.WarmUp(settings.Adaptation.Method, baseModel.Base, new FineTuneOptions
            {
                Rank = settings.Adaptation.Rank,
                Training = new AdaptationOptions().Training with { BatchSize = settings.Adaptation.BatchSize, Objective = baseModel.Head.Objective },
            });

        using StateDatabase state = StateDatabase.Open(stateDirectory);
        PipelineStores stores = PipelineStores.Open(state, stateDirectory, live.Current.Storage);
        ModelVersionRecord first = stores.Registry.AddBase(baseModel, $"adapt-eval source {request.Train}", baseModel.Reference.Samples);
        var events = new EventRecorder();
        events.Emitted += (type, _, fields) => log.WriteLine($"  event {type} {fields?.ToJsonString()}");
        (SensorFormat format, List<RecordedFrame> target) = Frames(request.Data, request.Target, windowSize);
        var transform = new FeatureTransform(format);
        var frame = new SensorFrame(format);
        var clock = new DataClock(DateTimeOffset.UtcNow);
        var status = new DaemonStatus("adapt-eval", "replay", clock);
        var pipeline = new MonitoringPipeline(live, stores, transform, status, events, clock, baseModel, first, replay: true);
        status.Started();

        (List<RecordedFrame> streamed, List<RecordedFrame> heldBack) = Split(target);
        var faults = new Dictionary<string, List<RecordedFrame>>();
        List<RecordedFrame> allFaults = [];
        foreach (FaultGroup group in request.Faults)
        {
            List<RecordedFrame> frames = Frames(request.Data, group.Filter, windowSize).Frames;
            faults[group.Name] = [.. frames.Where(f => f.Speed != "o")];
            allFaults.AddRange(frames.Where(f => !allFaults.Any(a => a.Entry == f.Entry && a.FrameIndex == f.FrameIndex)));
        }
        log.WriteLine($"streaming {streamed.Count} target-normal windows (holding back {heldBack.Count}), then {allFaults.Count} fault windows");

        double seconds = Stream(streamed, frame, pipeline, clock, 0, cancellation);
        long driftDelay = pipeline.Monitor.DriftDelayWindows;
        AttentionNotice? attention = pipeline.Attention.Current;
        // What adaptation made of the new normal is judged: the version in use when the normal stream ends. The fault
        // stream below still runs a promoted version's probation, which counts the fault windows as false alarms and
        // rolls a more sensitive version back (until session 10 the judged model was the one in use after the faults).
        ModelInUse final = pipeline.Model.Current;
        // Fault frames never feed an adaptation: no new job, and none of them stored, so a drift job still collecting when
        // the normal stream ends cannot fit them (until session 6 it did: a job that needed windows past the stream's end
        // took fault windows into its fit set).
        live.Update(s => s with
        {
            Adaptation = s.Adaptation with { Mode = AdaptationMode.Off },
            Storage = s.Storage with { SampleIntervalSeconds = double.PositiveInfinity },
        });
        Stream(allFaults, frame, pipeline, clock, seconds, cancellation);
        WindowSet Windows(List<RecordedFrame> frames) => new(Features(frames, transform, frame), frames.Count);
        WindowSet Probed(List<RecordedFrame> frames)
        {
            if (format.Kind == FrameKind.Spectrum) return Windows(frames); // spectrum probes are made from the features
            (float[] probes, int probed) = FeatureProbes.OfFrames(format, frames.Select(f => { Fill(frame, f); return frame; }));
            return new WindowSet(Features(frames, transform, frame), frames.Count, probes, probed);
        }
        return new AdaptScenario
        {
            Format = format, Base = baseModel, Final = final.Model, FinalVersion = final.Info.Version,
            Source = Probed(Frames(request.Data, request.Train, windowSize).Frames), Streamed = Windows(streamed), HeldBack = Probed(heldBack),
            Faults = faults.ToDictionary(g => g.Key, g => Windows(g.Value)), DriftDelayWindows = driftDelay,
            Jobs = [.. pipeline.Adaptation.History], Events = events.Events, Attention = attention,
        };
    }

    /// <summary>
    /// Target-normal frames → the streamed half and the held-back half: 20-frame blocks from frame 0 alternating, the
    /// 1st, 3rd, … recording streaming its even blocks, the others their odd ones. Until session 6 every recording
    /// streamed its even blocks: frames 0–19, where each recording starts, were never held back, and the false-alarm rate
    /// left out the windows that set the threshold's tail (docs/BENCHMARKS.md, issue 9 session 6).
    /// </summary>
    internal static (List<RecordedFrame> Streamed, List<RecordedFrame> HeldBack) Split(List<RecordedFrame> target)
    {
        Dictionary<string, int> parity = target.Select(f => f.Entry.File).Distinct().Select((file, i) => (file, i % 2)).ToDictionary();
        bool heldBack(RecordedFrame f) => (f.FrameIndex / Block + parity[f.Entry.File]) % 2 == 1;
        return ([.. target.Where(f => !heldBack(f))], [.. target.Where(heldBack)]);
    }

    /// <summary>Feeds frames to the pipeline on the recordings' clock, from <paramref name="seconds"/>; returns where the clock stands.</summary>
    static double Stream(List<RecordedFrame> frames, SensorFrame frame, MonitoringPipeline pipeline, DataClock clock, double seconds, CancellationToken cancellation)
    {
        foreach (RecordedFrame recorded in frames)
        {
            cancellation.ThrowIfCancellationRequested();
            Fill(frame, recorded);
            seconds += recorded.Entry.FramePeriodS > 0 ? recorded.Entry.FramePeriodS : frame.Format.FramePeriodS;
            frame.TimestampS = seconds;
            clock.Seconds = seconds;
            pipeline.Process(frame);
        }
        return seconds;
    }

    /// <summary>[n, d] features of the frames.</summary>
    static float[] Features(List<RecordedFrame> frames, FeatureTransform transform, SensorFrame frame)
    {
        int d = transform.Size;
        var features = new float[frames.Count * d];
        for (int i = 0; i < frames.Count; i++)
        {
            Fill(frame, frames[i]);
            transform.Extract(frame, features.AsSpan(i * d, d));
        }
        return features;
    }

    /// <summary>Share of the windows a scorer flags above a threshold.</summary>
    public static double Flagged(Func<float[], int, float[]> score, WindowSet windows, float threshold) =>
        windows.Count == 0 ? 0 : Math.Round(score(windows.Features, windows.Count).Count(s => s > threshold) / (double)windows.Count, 4);

    public static double Flagged(AnomalyModel model, WindowSet windows, float threshold) => Flagged((x, n) => Scores(model, x, n), windows, threshold);

    /// <summary>[n, d] features → [n] scores, window by window as the daemon scores them.</summary>
    public static float[] Scores(AnomalyModel model, float[] features, int n)
    {
        int d = model.InputSize;
        var scores = new float[n];
        for (int i = 0; i < n; i++) scores[i] = model.Score(features.AsSpan(i * d, d));
        return scores;
    }

    public double FalseAlarms(AnomalyModel model) => Flagged(model, HeldBack, model.Threshold);

    public double Recall(AnomalyModel model, string group) => Flagged(model, Faults[group], model.Threshold);

    static void Fill(SensorFrame frame, RecordedFrame recorded)
    {
        for (int c = 0; c < recorded.Channels; c++) recorded.Channel(c).CopyTo(frame.ChannelBuffer(c));
        frame.Count = recorded.Length;
        frame.Flags = default;
        frame.Recording = recorded.Entry;
        frame.FrameIndex = recorded.FrameIndex;
        frame.RecordingTimeS = recorded.RecordingTimeS;
    }

    internal static (SensorFormat Format, List<RecordedFrame> Frames) Frames(string data, string filter, int windowSize)
    {
        using var replay = new ReplaySensor(new ReplaySettings(data, filter, Speed: 0, Loop: false), windowSize);
        return (replay.Format, [.. RecordingFrames.Enumerate(replay.Recordings, windowSize)]);
    }
}
