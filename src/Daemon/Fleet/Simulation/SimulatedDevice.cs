using Microsoft.Extensions.Logging;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Host;
using SensorOdl.Daemon.Mqtt;
using SensorOdl.Daemon.Mqtt.HomeAssistant;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Daemon.Training;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Simulation;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.FineTuning;

namespace SensorOdl.Daemon.Fleet.Simulation;

/// <summary>
/// One simulated device of `fleet simulate`, composed like <see cref="DaemonRuntime"/> from the daemon's own parts: a
/// state directory (LiteDB: registry, sample store, outbox, seen commands), the <see cref="MonitoringPipeline"/> with its
/// adaptation coordinator, its own <see cref="MqttLink"/> (client id, last will and availability of its own),
/// <see cref="MqttPublisher"/>, <see cref="CommandInbox"/> and <see cref="CommandProcessor"/>. What the daemon gives a
/// thread of its own is shared here: windows are read when the fleet's <see cref="WindowSchedule"/> says so (instead of a
/// <see cref="SensorLoop"/> thread each), training runs on the fleet's one worker, and the feature transform is the
/// fleet's (only the scheduler thread extracts features).
/// </summary>
public sealed class SimulatedDevice : IAsyncDisposable
{
    readonly StateDatabase _state;
    readonly SimulatedMachineSensor _sensor;
    readonly SensorFrame _frame;
    readonly MqttLink _link;
    readonly EventLog _events;
    readonly CancellationTokenSource _stopping = new();
    readonly List<Task> _loops = [];
    long _lastDataBits;
    long _lastFlushMs;

    public SimulatedDevice(string id, DaemonSettings settings, SharedFleetParts shared, string stateDirectory, Action<string> warn)
    {
        Id = id;
        StateDirectory = stateDirectory;
        TimeProvider time = TimeProvider.System;
        var log = new DeviceLogger(id, warn);
        var live = new LiveSettings(settings);
        var topics = new Topics(settings.Mqtt.TopicPrefix, id);
        _state = StateDatabase.Open(stateDirectory);
        _state.WriteFailed += e => warn($"{id}: a state database write failed: {e.Message}");
        PipelineStores stores = PipelineStores.Open(_state, stateDirectory, settings.Storage);
        _events = new EventLog(_state, topics.Events, settings.Mqtt.QueueLimit);
        var seen = new SeenCommands(_state, time.GetUtcNow().ToUnixTimeMilliseconds());
        var sink = new EventLogSink(_events);
        _sensor = new SimulatedMachineSensor(settings.Sensor.ToSimulationSettings() with { Speed = 0 }); // paced by the fleet's schedule
        _frame = _sensor.CreateFrame();
        Status = new DaemonStatus(id, _sensor.Kind, time);

        _link = new MqttLink(settings.Mqtt, topics, shared.Host, shared.Port, shared.Tls, log);
        var inbox = new CommandInbox(settings.Mqtt, sink, time, log);
        _link.Received = inbox.Offer;
        var publisher = new MqttPublisher(_link, topics, Status, _events, stores.Registry, live, DaemonRuntime.Version, time, m => log.LogWarning("{Message}", m));

        // Every device starts from the fleet's one base: stored as its first version, then loaded as its own instance
        // (a training job reads the active model on the worker thread while the scheduler scores with it).
        ModelVersionRecord record = stores.Registry.Active ?? stores.Registry.AddBase(shared.BaseModel, "fleet simulate: the fleet's shared base", BaseModelTraining.SimulatedMachineWindows);
        AnomalyModel model = stores.Registry.Load(record, new FineTuneOptions());
        Pipeline = new MonitoringPipeline(live, stores, shared.Features, Status, sink, time, model, record, trainingScheduler: shared.Training);
        var handlers = new CommandHandlers(live, Status, stores.Registry, stores.Samples, sink, Pipeline.Model, Pipeline.Adaptation, () => LastDataS, time);
        var commands = new CommandProcessor(settings.Security, topics, _events, sink, handlers, seen, shared.Keys, time,
            new UnsignedHomeAssistantCommands(settings.Security, () => HomeAssistantState.KeptVersions(stores.Registry)));
        Pipeline.Monitor.Scored += publisher.OnScored;
        Status.Started();

        _loops.Add(_link.RunAsync(_stopping.Token));
        _loops.Add(publisher.RunStatusLoopAsync(_stopping.Token));
        _loops.Add(publisher.RunTelemetryLoopAsync(_stopping.Token));
        _loops.Add(publisher.RunOutboxLoopAsync(_stopping.Token));
        _loops.Add(inbox.RunAsync(commands.HandleAsync, publisher.PublishDiscoveryAsync, _stopping.Token));
        _lastFlushMs = Environment.TickCount64;
    }

    public string Id { get; }
    public string StateDirectory { get; }
    public DaemonStatus Status { get; }
    public MonitoringPipeline Pipeline { get; }
    public bool Connected => _link.Connected;

    /// <summary>The data-clock time of the last window (0 before the first): the retrain command's "now".</summary>
    public double LastDataS => BitConverter.Int64BitsToDouble(Interlocked.Read(ref _lastDataBits));

    /// <summary>Reads and processes one window (the fleet's scheduler thread only).</summary>
    public void Step()
    {
        _sensor.Read(_frame);
        Interlocked.Exchange(ref _lastDataBits, BitConverter.DoubleToInt64Bits(_frame.TimestampS));
        Pipeline.Process(_frame);
    }

    /// <summary>The daemon's housekeeping: the buffered sample writes every Storage:SampleFlushSeconds, old events pruned.</summary>
    public async Task HousekeepAsync(DaemonSettings settings)
    {
        if (Environment.TickCount64 - _lastFlushMs >= settings.Storage.SampleFlushSeconds * 1000 - 1000)
        {
            await Pipeline.Stores.Samples.FlushAsync();
            _lastFlushMs = Environment.TickCount64;
        }
        await _events.PruneAsync(settings.Storage.EventRetentionDays, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    /// <summary>As the daemon stops: `offline`, a clean disconnect, the samples flushed, the state closed.</summary>
    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        await _link.StopAsync(TimeSpan.FromSeconds(3));
        try { await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5)); }
        catch (Exception) { } // cancelled loops; the state is closed cleanly all the same
        try { await Pipeline.Stores.Samples.FlushAsync(); }
        catch (Exception) { }
        await _link.DisposeAsync();
        _sensor.Dispose();
        _state.Dispose();
        _stopping.Dispose();
    }
}

/// <summary>What every simulated device of a fleet uses in common.</summary>
public sealed record SharedFleetParts(
    string Host, int Port, bool Tls,
    Drivers.Features.FeatureTransform Features,
    AnomalyModel BaseModel,
    SerialTrainingWorker Training,
    CommandKeys? Keys);
