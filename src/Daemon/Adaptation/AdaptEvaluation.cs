using SensorOdl.Drivers.Features;
using System.Diagnostics;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Daemon.Training;
using SensorOdl.Drivers.Recordings;
using SensorOdl.Drivers.Replay;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.FineTuning;

namespace SensorOdl.Daemon.Adaptation;

public sealed record CompareResult(double FalseAlarmRateAfter, double FaultRecallAfter, double AdaptSeconds);

/// <summary>docs/CONTRACT.md §6 JSON.</summary>
public sealed record AdaptEvalReport(
    string Source, string Target, double FalseAlarmRateBefore, double FalseAlarmRateAfter, double FaultRecallBefore, double FaultRecallAfter,
    bool DriftDetected, long DriftDelayWindows, double AdaptSeconds, int ModelVersionAfter, bool Promoted, int Rejected,
    Dictionary<string, CompareResult>? Compare, string Faults, int StreamedWindows, int HeldBackWindows, int FaultWindows,
    IReadOnlyList<string> Events);

public sealed record AdaptEvalOptions(string Data, string Train, string Target, string Faults, string? Exemplars, IReadOnlyList<string> Compare);

/// <summary>
/// `adapt-eval`: the source → target protocol of docs/CONTRACT.md §6 through the daemon's own pipeline (window
/// monitor, drift detector, sample store, adaptation coordinator, registry) on a temporary state directory,
/// in accelerated time on the recordings' clock. Target-normal frames are cut per recording into blocks of 20
/// from frame 0: even blocks stream, odd blocks are held back for the final false-alarm rate; fault frames
/// stream last, with adaptation off, and count for recall only where the fan turns.
/// </summary>
public sealed class AdaptEvaluation(DaemonSettings settings, AdaptEvalOptions options, TextWriter log)
{
    const int Block = 20;

    public AdaptEvalReport Run(CancellationToken cancellation)
    {
        string stateDirectory = Directory.CreateTempSubdirectory("sensorodl-adapt-eval-").FullName;
        try { return Run(stateDirectory, cancellation); }
        finally { Directory.Delete(stateDirectory, recursive: true); }
    }

    AdaptEvalReport Run(string stateDirectory, CancellationToken cancellation)
    {
        var live = new LiveSettings(settings with { Storage = settings.Storage with { SampleIntervalSeconds = 0 } });
        AnomalyModel baseModel = BaseModelTraining.Autoencoder(
            new BaseTrainingRequest(options.Data, options.Train, settings.Sensor.WindowSize, settings.Anomaly.FalseAlarmBudget, new AnomalyTrainingOptions().Training.Epochs),
            options.Exemplars, log, cancellation);

        using StateDatabase state = StateDatabase.Open(stateDirectory);
        PipelineStores stores = PipelineStores.Open(state, stateDirectory, live.Current.Storage);
        ModelVersionRecord first = stores.Registry.AddBase(baseModel, $"adapt-eval source {options.Train}", baseModel.Reference.Samples);
        var events = new EventRecorder();
        events.Emitted += (type, _, fields) => log.WriteLine($"  event {type} {fields?.ToJsonString()}");
        (SensorFormat format, List<RecordedFrame> target) = Frames(options.Target);
        (_, List<RecordedFrame> faults) = Frames(options.Faults);
        var vectorizer = new FeatureTransform(format);
        var clock = new DataClock(DateTimeOffset.UtcNow);
        var status = new DaemonStatus("adapt-eval", "replay", clock);
        var pipeline = new MonitoringPipeline(live, stores, vectorizer, status, events, clock, baseModel, first, runJobsInline: true);
        AdaptationCoordinator coordinator = pipeline.Adaptation;
        ModelRegistry registry = stores.Registry;
        status.Started();

        List<RecordedFrame> streamed = [.. target.Where(f => f.FrameIndex / Block % 2 == 0)];
        List<RecordedFrame> heldBack = [.. target.Where(f => f.FrameIndex / Block % 2 == 1)];
        List<RecordedFrame> turning = [.. faults.Where(f => f.Speed != "o")];
        log.WriteLine($"streaming {streamed.Count} target-normal windows (holding back {heldBack.Count}), then {faults.Count} fault windows ({turning.Count} with the fan turning)");

        SensorFrame frame = new(format);
        Stream(streamed, frame, pipeline, clock, cancellation);
        bool driftDetected = pipeline.Monitor.DriftDelayWindows >= 0;
        long driftDelay = pipeline.Monitor.DriftDelayWindows;
        live.Update(s => s with { Adaptation = s.Adaptation with { Mode = AdaptationMode.Off } }); // fault frames never feed an adaptation
        Stream(faults, frame, pipeline, clock, cancellation);

        AnomalyModel after = pipeline.Model.Current.Model;
        AnomalyModel before = baseModel;
        double FalseAlarms(AnomalyModel m, float threshold) => Share(m, heldBack, vectorizer, frame, threshold);
        double Recall(AnomalyModel m, float threshold) => Share(m, turning, vectorizer, frame, threshold);

        Dictionary<string, CompareResult>? compare = null;
        if (options.Compare.Count > 0)
        {
            compare = [];
            if (options.Compare.Contains("full")) compare["full"] = FullRetrain(coordinator, before, FalseAlarms, Recall);
            if (options.Compare.Contains("threshold")) compare["threshold"] = ThresholdOnly(before, streamed, vectorizer, frame, FalseAlarms, Recall);
        }
        return new AdaptEvalReport(options.Train, options.Target,
            FalseAlarms(before, before.Threshold), FalseAlarms(after, after.Threshold),
            Recall(before, before.Threshold), Recall(after, after.Threshold),
            driftDetected, driftDelay, Math.Round(coordinator.LastAdaptSeconds, 3), registry.ActiveVersion ?? 1,
            coordinator.Promoted > 0, coordinator.Rejected, compare, options.Faults, streamed.Count, heldBack.Count, turning.Count,
            [.. events.Events.Where(e => e.Type is not ("anomaly" or "anomaly_cleared")).Select(e => e.Fields is null ? e.Type : $"{e.Type} {e.Fields.ToJsonString()}")]);
    }

    CompareResult FullRetrain(AdaptationCoordinator coordinator, AnomalyModel baseModel, Func<AnomalyModel, float, double> falseAlarms, Func<AnomalyModel, float, double> recall)
    {
        if (coordinator.LastWindows is not { } windows) return new CompareResult(double.NaN, double.NaN, 0);
        var adaptation = new AdaptationOptions
        {
            Method = ModelAdapter.FullRetrain,
            FalseAlarmBudget = settings.Anomaly.FalseAlarmBudget,
            Training = new AdaptationOptions().Training with
            {
                Epochs = settings.Adaptation.Epochs,
                LearningRate = (float)settings.Adaptation.LearningRate,
                BatchSize = settings.Adaptation.BatchSize,
            },
        };
        (AnomalyModel full, CandidateReport report) = ModelAdapter.Adapt(baseModel, windows.Features, windows.Ids, baseModel.Exemplars, adaptation);
        return new CompareResult(falseAlarms(full, full.Threshold), recall(full, full.Threshold), Math.Round(report.Seconds, 3));
    }

    CompareResult ThresholdOnly(AnomalyModel baseModel, List<RecordedFrame> streamed, FeatureTransform vectorizer, SensorFrame frame,
        Func<AnomalyModel, float, double> falseAlarms, Func<AnomalyModel, float, double> recall)
    {
        var watch = Stopwatch.StartNew();
        float[] scores = Scores(baseModel, streamed, vectorizer, frame);
        float threshold = Quantiles.Of(scores, 1 - settings.Anomaly.FalseAlarmBudget);
        double seconds = watch.Elapsed.TotalSeconds;
        return new CompareResult(falseAlarms(baseModel, threshold), recall(baseModel, threshold), Math.Round(seconds, 3));
    }

    static void Stream(List<RecordedFrame> frames, SensorFrame frame, MonitoringPipeline pipeline, DataClock clock, CancellationToken cancellation)
    {
        double seconds = clock.Seconds;
        foreach (RecordedFrame recorded in frames)
        {
            cancellation.ThrowIfCancellationRequested();
            Fill(frame, recorded);
            seconds += recorded.Entry.FramePeriodS > 0 ? recorded.Entry.FramePeriodS : frame.Format.FramePeriodS;
            frame.TimestampS = seconds;
            clock.Seconds = seconds;
            pipeline.Process(frame);
        }
    }

    static void Fill(SensorFrame frame, RecordedFrame recorded)
    {
        for (int c = 0; c < recorded.Channels; c++) recorded.Channel(c).CopyTo(frame.ChannelBuffer(c));
        frame.Count = recorded.Length;
        frame.Flags = default;
        frame.Recording = recorded.Entry;
        frame.FrameIndex = recorded.FrameIndex;
        frame.RecordingTimeS = recorded.RecordingTimeS;
    }

    static float[] Scores(AnomalyModel model, List<RecordedFrame> frames, FeatureTransform vectorizer, SensorFrame frame)
    {
        var features = new float[vectorizer.Size];
        var scores = new float[frames.Count];
        for (int i = 0; i < frames.Count; i++)
        {
            Fill(frame, frames[i]);
            vectorizer.Extract(frame, features);
            scores[i] = model.Score(features);
        }
        return scores;
    }

    static double Share(AnomalyModel model, List<RecordedFrame> frames, FeatureTransform vectorizer, SensorFrame frame, float threshold) =>
        frames.Count == 0 ? 0 : Math.Round(Scores(model, frames, vectorizer, frame).Count(s => s > threshold) / (double)frames.Count, 4);

    (SensorFormat, List<RecordedFrame>) Frames(string filter)
    {
        using var replay = new ReplaySensor(new ReplaySettings(options.Data, filter, Speed: 0, Loop: false), settings.Sensor.WindowSize);
        return (replay.Format, [.. RecordingFrames.Enumerate(replay.Recordings, settings.Sensor.WindowSize)]);
    }
}
