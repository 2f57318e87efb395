using System.Diagnostics;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Mqtt;
using SensorOdl.Daemon.Training;
using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Simulation;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Fleet.Simulation;

/// <summary>How `fleet simulate` runs: how many devices, their ids, how fast their machines turn.</summary>
/// <param name="Speed">Time factor of every device's simulated machine (1 = real time: 11.7 windows/s each at the defaults).</param>
/// <param name="StateRoot">Where the devices' state directories go; null = a temporary directory, deleted at the end.</param>
public sealed record SimulatorOptions(int Devices, string IdPrefix = "sim-", double Speed = 1, string? StateRoot = null);

/// <summary>
/// N simulated devices in one process (`sensorodl fleet simulate`), each running the daemon's own pipeline, command
/// handling and MQTT publishing (<see cref="SimulatedDevice"/>) on its own broker connection. Shared: one base model trained
/// once, one feature transform, one scheduler thread that reads every device's windows (<see cref="WindowSchedule"/>),
/// one training worker that runs the devices' jobs one at a time (<see cref="SerialTrainingWorker"/>: a retrain of 200
/// devices queues), one housekeeping timer.
/// </summary>
public sealed class FleetSimulator : IAsyncDisposable
{
    readonly SimulatedDevice[] _devices;
    readonly SerialTrainingWorker _training;
    readonly string _root;
    readonly bool _ownsRoot;
    readonly CancellationTokenSource _stopping = new();
    readonly Thread _scheduler;
    readonly Task _housekeeping;
    readonly WindowSchedule _schedule;
    long _windows;

    FleetSimulator(SimulatedDevice[] devices, SerialTrainingWorker training, string root, bool ownsRoot, TimeSpan period)
    {
        _devices = devices;
        _training = training;
        _root = root;
        _ownsRoot = ownsRoot;
        _schedule = new WindowSchedule(devices.Length, period, TimeSpan.Zero);
        _scheduler = new Thread(ScheduleLoop) { IsBackground = true, Name = "fleet-sim-windows" };
        _scheduler.Start();
        _housekeeping = HousekeepingAsync(_stopping.Token);
    }

    public IReadOnlyList<SimulatedDevice> Devices => _devices;
    public int Connected => _devices.Count(d => d.Connected);
    public long Windows => Interlocked.Read(ref _windows);
    public long SkippedWindows { get { lock (_schedule) return _schedule.Skipped; } }
    public int TrainingWaiting => _training.Waiting;
    public bool TrainingBusy => _training.Busy;
    public long TrainingCompleted => _training.Completed;
    public TimeSpan WindowPeriod => _schedule.Period;

    /// <summary>The device id of number <paramref name="index"/> (0-based): the prefix and a 1-based number as wide as the fleet's largest.</summary>
    public static string DeviceId(string prefix, int index, int devices) => prefix + (index + 1).ToString().PadLeft(devices.ToString().Length, '0');

    /// <summary>
    /// Trains the shared base, opens every device's state and connection (<paramref name="settings"/>' Mqtt section: broker,
    /// credentials, TLS, prefix; Sensor:Seed + i is device i's machine), and starts the windows.
    /// </summary>
    public static async Task<FleetSimulator> StartAsync(SimulatorOptions options, DaemonSettings settings, Action<string> warn, CancellationToken cancellation)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Devices);
        if (!(options.Speed > 0) || double.IsInfinity(options.Speed)) throw new ArgumentOutOfRangeException(nameof(options), "the speed must be a positive number");
        (string host, int port, bool tls) = new FleetEndpoint(settings.Mqtt, null).Address();
        SimulationSettings machine = settings.Sensor.ToSimulationSettings();
        var features = new FeatureTransform(new SimulatedMachineSensor(machine with { Speed = 0 }).Format);
        AnomalyModel baseModel = await Task.Run(() => BaseModelTraining.ForSimulatedMachine(features, settings.Sensor.Seed, settings.Anomaly), cancellation);
        CommandKeys? keys = settings.Security.CommandKeyFile is { Length: > 0 } file
            ? new CommandKeys(CommandSignature.ReadKey(file), TimeSpan.FromMinutes(settings.Security.KeyOverlapMinutes), TimeProvider.System)
            : null;
        var training = new SerialTrainingWorker();
        var shared = new SharedFleetParts(host, port, tls, features, baseModel, training, keys);
        bool ownsRoot = options.StateRoot is null;
        string root = options.StateRoot ?? Directory.CreateTempSubdirectory("sensorodl-fleet-sim-").FullName;
        var devices = new List<SimulatedDevice>(options.Devices);
        try
        {
            for (int i = 0; i < options.Devices; i++)
            {
                cancellation.ThrowIfCancellationRequested();
                string id = DeviceId(options.IdPrefix, i, options.Devices);
                DaemonSettings own = settings with { Device = settings.Device with { Id = id }, Sensor = settings.Sensor with { Seed = settings.Sensor.Seed + i } };
                devices.Add(new SimulatedDevice(id, own, shared, Path.Combine(root, id), warn));
            }
        }
        catch
        {
            foreach (SimulatedDevice device in devices) await device.DisposeAsync();
            training.Dispose();
            if (ownsRoot) TryDelete(root);
            throw;
        }
        TimeSpan period = TimeSpan.FromSeconds(machine.WindowSize / machine.SampleRateHz / options.Speed);
        return new FleetSimulator([.. devices], training, root, ownsRoot, period);
    }

    /// <summary>Waits until every device is connected (and has said `online`), or the timeout; true when all are.</summary>
    public async Task<bool> WaitConnectedAsync(TimeSpan timeout, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        while (Connected < _devices.Length)
        {
            if (clock.Elapsed > timeout) return false;
            await Task.Delay(50, cancellation);
        }
        return true;
    }

    void ScheduleLoop()
    {
        var clock = Stopwatch.StartNew();
        CancellationToken stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            (int device, TimeSpan due) = _schedule.Next();
            TimeSpan wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero && stopping.WaitHandle.WaitOne(wait)) return;
            try { _devices[device].Step(); }
            catch (Exception e) { Console.Error.WriteLine($"{_devices[device].Id}: a window could not be processed: {e.Message}"); }
            Interlocked.Increment(ref _windows);
            lock (_schedule) _schedule.Done(device, clock.Elapsed);
        }
    }

    async Task HousekeepingAsync(CancellationToken cancellation)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellation))
                foreach (SimulatedDevice device in _devices)
                {
                    try { await device.HousekeepAsync(); }
                    catch (Exception e) when (e is not OperationCanceledException) { Console.Error.WriteLine($"{device.Id}: housekeeping failed: {e.Message}"); }
                }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>Stops the windows and the worker (a running job finishes), then every device as the daemon stops; deletes a temporary state root.</summary>
    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _scheduler.Join(TimeSpan.FromSeconds(10));
        await _housekeeping;
        _training.Stop(TimeSpan.FromSeconds(30));
        // In slices, so that 200 clean disconnects do not all wait on the broker at once.
        foreach (SimulatedDevice[] slice in _devices.Chunk(25))
            await Task.WhenAll(slice.Select(d => d.DisposeAsync().AsTask()));
        _training.Dispose();
        _stopping.Dispose();
        if (_ownsRoot) TryDelete(_root);
    }

    static void TryDelete(string directory)
    {
        try { Directory.Delete(directory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
