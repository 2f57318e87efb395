using SensorOdl.Drivers.Features;
using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Daemon.Training;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Simulation;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Tests;

/// <summary>The daemon's own pipeline on the simulated machine, a real state directory and a data clock; jobs run inline.</summary>
sealed class SimulatedPipeline : IDisposable
{
    SimulatedPipeline(SimulatedMachineSensor machine, StateDatabase state, MonitoringPipeline pipeline, EventRecorder events, DataClock clock,
        string directory, DaemonSettings settings)
    {
        _directory = directory;
        _settings = settings;
        Machine = machine;
        State = state;
        Pipeline = pipeline;
        Events = events;
        Clock = clock;
    }

    public SimulatedMachineSensor Machine { get; }
    public StateDatabase State { get; }
    public MonitoringPipeline Pipeline { get; }
    public EventRecorder Events { get; }
    public DataClock Clock { get; }
    public IReadOnlyList<string> Types => [.. Events.Events.Select(e => e.Type)];

    public static SimulatedPipeline Start(string stateDirectory, DaemonSettings settings, int seed, int trainingWindows)
    {
        var machine = new SimulatedMachineSensor(new SimulationSettings(12_000, 1024, Seed: seed, Speed: 0));
        var features = new FeatureTransform(machine.Format);
        StateDatabase state = StateDatabase.Open(stateDirectory);
        PipelineStores stores = PipelineStores.Open(state, stateDirectory, settings.Storage);
        AnomalyModel model = BaseModelTraining.ForSimulatedMachine(features, seed, settings.Anomaly.FalseAlarmBudget, trainingWindows,
            settings.Anomaly.ScoreShare, settings.Anomaly.Hidden);
        ModelVersionRecord first = stores.Registry.AddBase(model, "test", trainingWindows);
        var events = new EventRecorder();
        var clock = new DataClock(DateTimeOffset.UnixEpoch.AddYears(56));
        var status = new DaemonStatus("t", machine.Kind, clock);
        var pipeline = new MonitoringPipeline(new LiveSettings(settings), stores, features, status, events, clock, model, first, replay: true);
        status.Started();
        return new SimulatedPipeline(machine, state, pipeline, events, clock, stateDirectory, settings);
    }

    readonly string _directory;
    readonly DaemonSettings _settings;
    bool _restarted;

    /// <summary>
    /// The daemon stopped and started again on the same state directory (an upgrade, the watchdog): the state database
    /// reopened, the registry's active version loaded, a new pipeline on the same machine and data clock; this one is done.
    /// </summary>
    /// <param name="keepLoopState">false: the adaptation loop's stored state is deleted before the restart, as every release before it forgot it.</param>
    /// <param name="whileStopped">Changes the stored loop state while the daemon is stopped.</param>
    public SimulatedPipeline Restart(bool keepLoopState = true, Func<AdaptationLoopState, AdaptationLoopState>? whileStopped = null)
    {
        Pipeline.Adaptation.SaveState(); // as the daemon's StopAsync does
        if (!keepLoopState) State.Write(db => db.GetCollection(AdaptationLoopStore.CollectionName).DeleteAll(), durable: true);
        if (whileStopped is not null)
        {
            State.Write(_ => { }); // the save above is committed
            Pipeline.Stores.Loop.Save(whileStopped(Pipeline.Stores.Loop.Load()!), durable: true);
        }
        State.Dispose();
        _restarted = true;
        StateDatabase state = StateDatabase.Open(_directory);
        PipelineStores stores = PipelineStores.Open(state, _directory, _settings.Storage);
        ModelVersionRecord active = stores.Registry.Active!;
        AnomalyModel model = stores.Registry.Load(active, new Learning.FineTuning.FineTuneOptions());
        var events = new EventRecorder();
        var status = new DaemonStatus("t", Machine.Kind, Clock);
        var pipeline = new MonitoringPipeline(new LiveSettings(_settings), stores, Pipeline.Features, status, events, Clock, model, active, replay: true);
        status.Started();
        return new SimulatedPipeline(Machine, state, pipeline, events, Clock, _directory, _settings) { _frame = _frame };
    }

    /// <summary>The command handlers of this pipeline, answering on its data clock (serving `deploy` when given its handler).</summary>
    public Mqtt.CommandHandlers Handlers(Mqtt.DeployHandler? deploy = null) => new(Pipeline.Settings, Pipeline.Status, Pipeline.Stores.Registry,
        Pipeline.Stores.Samples, Events, Pipeline.Model, Pipeline.Adaptation, () => Clock.Seconds, Clock) { Deploy = deploy };

    /// <summary>Moves the sensor to a magnet base elsewhere on the housing: the environment drifts.</summary>
    public void Remount() =>
        Machine.Machine.SetCondition(MachineScenarios.Condition(DriftKind.Mounting));

    public WindowResult Next(Action<SensorFrame>? tamper = null)
    {
        SensorFrame frame = _frame ??= Machine.CreateFrame();
        Machine.Read(frame);
        tamper?.Invoke(frame);
        Clock.Seconds = frame.TimestampS;
        return Pipeline.Process(frame);
    }

    SensorFrame? _frame;

    public void Stream(int windows)
    {
        for (int i = 0; i < windows; i++) Next();
    }

    public void Dispose()
    {
        if (_restarted) return;
        State.Dispose();
        Machine.Dispose();
    }
}
