using SensorOdl.Drivers.Features;
using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Storage;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Pipeline;

/// <summary>The stores of a state directory that the pipeline writes: model versions, recent windows, the forward cache, the adaptation loop's state.</summary>
public sealed record PipelineStores(ModelRegistry Registry, SampleStore Samples, LiteDbForwardCacheStore ForwardCache, AdaptationLoopStore Loop)
{
    public static PipelineStores Open(StateDatabase state, string stateDirectory, StorageSettings storage) => new(
        new ModelRegistry(state, stateDirectory, storage.KeepVersions),
        new SampleStore(state, storage.SampleCapacity),
        new LiteDbForwardCacheStore(state),
        new AdaptationLoopStore(state));
}

/// <summary>
/// The monitoring pipeline, assembled in one place for `run`, `demo` and `adapt-eval`: features → the active
/// model → anomaly and drift → sample store, with the adaptation coordinator listening. The caller feeds it
/// frames (the daemon's sensor thread, or a replay loop) and owns the state database. A replay runs
/// adaptation jobs inline (deterministic) and keeps their history for the report.
/// </summary>
public sealed class MonitoringPipeline
{
    public MonitoringPipeline(LiveSettings settings, PipelineStores stores, FeatureTransform features, DaemonStatus status,
        IEventSink events, TimeProvider time, AnomalyModel model, ModelVersionRecord version, bool replay = false, TaskScheduler? trainingScheduler = null)
    {
        Settings = settings;
        Stores = stores;
        Features = features;
        Status = status;
        Model = new ActiveModel(status, new ModelInUse(model, ModelInfo.Of(version)));
        Monitor = new WindowMonitor(settings, features, Model, stores.Samples, events, status, time);
        DaemonSettings current = settings.Current;
        Attention = new AttentionMonitor(status, events, time, current.Anomaly.FalseAlarmBudget, current.Anomaly.AttentionMinutes, current.Drift.Level);
        Adaptation = new AdaptationCoordinator(settings, stores.Registry, stores.Samples, events, status, stores.ForwardCache, Model, time,
            FeatureProbes.For(features.Format, stores.Samples, current.Adaptation.EnforceWaveformProbes), Attention, stores.Loop)
        {
            RunInline = replay,
            RecordHistory = replay,
            TrainingScheduler = trainingScheduler,
        };
        Monitor.Observe(Adaptation);
        Monitor.Observe(Attention); // after the coordinator: a window's verdict counts once a promotion in it is known
    }

    public LiveSettings Settings { get; }
    public PipelineStores Stores { get; }
    public FeatureTransform Features { get; }
    public DaemonStatus Status { get; }
    public ActiveModel Model { get; }
    public WindowMonitor Monitor { get; }
    public AdaptationCoordinator Adaptation { get; }
    /// <summary>Status `attention`: what adaptation has left for an operator to look at.</summary>
    public AttentionMonitor Attention { get; }

    /// <summary>One window, on the pipeline thread.</summary>
    public WindowResult Process(SensorFrame frame) => Monitor.Process(frame);
}
