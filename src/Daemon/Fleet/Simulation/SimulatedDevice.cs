using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Host;
using SensorOdl.Daemon.Mqtt;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Daemon.Training;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Simulation;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.FineTuning;

namespace SensorOdl.Daemon.Fleet.Simulation;

/// <summary>
/// One simulated device of `fleet simulate`, composed by <see cref="DeviceComposition"/> from the daemon's own parts as
/// <see cref="DaemonRuntime"/> is: a state directory (LiteDB: registry, sample store, outbox, seen commands), the
/// <see cref="MonitoringPipeline"/> with its adaptation coordinator, its own <see cref="MqttLink"/> (client id, last will and
/// availability of its own), <see cref="MqttPublisher"/>, <see cref="CommandInbox"/> and <see cref="CommandProcessor"/>. What
/// the daemon gives a thread of its own is shared here: windows are read when the fleet's <see cref="WindowSchedule"/> says so
/// (instead of a <see cref="SensorLoop"/> thread each), training runs on the fleet's one worker, and the feature transform is
/// the fleet's (only the scheduler thread extracts features).
/// </summary>
public sealed class SimulatedDevice : IAsyncDisposable
{
    readonly StateDatabase _state;
    readonly SimulatedMachineSensor _sensor;
    readonly SensorFrame _frame;
    readonly DeviceComposition _device;
    readonly CancellationTokenSource _stopping = new();
    readonly List<Task> _loops = [];
    long _lastDataBits;

    public SimulatedDevice(string id, DaemonSettings settings, SharedFleetParts shared, string stateDirectory, Action<string> warn)
    {
        Id = id;
        StateDirectory = stateDirectory;
        _state = StateDatabase.Open(stateDirectory);
        _sensor = new SimulatedMachineSensor(settings.Sensor.ToSimulationSettings() with { Speed = 0 }); // paced by the fleet's schedule
        _frame = _sensor.CreateFrame();
        _device = new DeviceComposition(settings, _state, _sensor.Kind, new BrokerAddress(shared.Host, shared.Port, shared.Tls),
            new DeviceWiring(TimeProvider.System, new DeviceLogger(id, warn)) { TrainingScheduler = shared.Training });

        // Every device starts from the fleet's one base: stored as its first version, then loaded as its own instance
        // (a training job reads the active model on the worker thread while the scheduler scores with it).
        ModelRegistry registry = _device.Stores.Registry;
        ModelVersionRecord record = registry.Active ?? registry.AddBase(shared.BaseModel, "fleet simulate: the fleet's shared base", BaseModelTraining.SimulatedMachineWindows);
        Pipeline = _device.Monitor(registry.Load(record, new FineTuneOptions()), record, shared.Features, () => LastDataS, shared.Keys);
        _loops.AddRange(_device.Run(_stopping.Token));
    }

    public string Id { get; }
    public string StateDirectory { get; }
    public DaemonStatus Status => _device.Status;
    public MonitoringPipeline Pipeline { get; }
    public bool Connected => _device.Link.Connected;

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
    public Task HousekeepAsync() => _device.HousekeepAsync();

    /// <summary>As the daemon stops: `offline`, a clean disconnect, the samples flushed, the state closed.</summary>
    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        await _device.Link.StopAsync(TimeSpan.FromSeconds(3));
        try { await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5)); }
        catch (Exception) { } // cancelled loops; the state is closed cleanly all the same
        try { await Pipeline.Stores.Samples.FlushAsync(); }
        catch (Exception) { }
        await _device.Link.DisposeAsync();
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
