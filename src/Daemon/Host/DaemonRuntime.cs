using SensorOdl.Drivers.Features;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Host.Systemd;
using SensorOdl.Daemon.Mqtt;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Sensors.Bme280;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Host;

/// <summary>
/// `sensorodl run`: opens the state, the sensor and the broker link, publishes `online` and `starting`,
/// selects the model, then runs the sensor loop on its own thread and the MQTT loops beside it. Ready for
/// systemd means all of that is up; the watchdog is petted while the <see cref="SensorLoop"/> keeps turning (every read counts,
/// a failed one and a slice of back-off too).
/// </summary>
public sealed class DaemonRuntime(DaemonSettings settings, StateDatabase state, SystemdNotifier notifier, SystemdLifecycle lifecycle, TimeProvider systemTime,
    ILogger<DaemonRuntime> log) : IHostedService
{
    // The daemon's one clock: the wall clock at start carried on monotonically, re-anchored (clock_adjusted) once plausible.
    readonly AnchoredClock time = new(systemTime, ClockPlausibility.For(settings.Security.TrustLocalClock));
    readonly CancellationTokenSource _stopping = new();
    readonly List<Task> _loops = [];
    ISensor? _sensor;
    EmbeddedBroker? _broker;
    DeviceComposition? _device;
    Thread? _sensorThread;
    SensorLoop? _sensorLoop;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _sensor = SensorFactory.Create(settings.Sensor, pacer: new SamplePacer(time)); // back-off and pacing on the daemon's one clock
        var vectorizer = new FeatureTransform(_sensor.Format);
        BrokerAddress broker = await BrokerAsync(cancellationToken);
        DeviceComposition device = _device = new DeviceComposition(settings, state, _sensor.Kind, broker, new DeviceWiring(time, log)
        {
            EventEcho = (type, fields) => log.LogInformation("event {Type} {Fields}", type, fields?.ToJsonString()),
            ClockSynced = () => time.Synced,
            AcceptsDeploys = true,
        });
        _loops.Add(device.RunLink(_stopping.Token));
        await WaitConnectedAsync(TimeSpan.FromSeconds(3), cancellationToken); // `online` + `starting` before a first-start training

        (AnomalyModel model, ModelVersionRecord record) = ModelSelection.Select(settings, device.Stores.Registry, vectorizer, m => log.LogInformation("{Message}", m));
        CommandKeys? keys = CommandKey() is { } key ? new CommandKeys(key, TimeSpan.FromMinutes(settings.Security.KeyOverlapMinutes), time) : null;
        MonitoringPipeline pipeline = device.Monitor(model, record, vectorizer, () => _sensorLoop!.LastDataS, keys);
        _loops.Add(Logged("pruning the forward cache", device.Stores.ForwardCache.PruneAsync(device.Stores.Registry.LiveBaseHashes()))); // entries of bases no kept version uses are dead weight
        _sensorLoop = new SensorLoop(_sensor, frame => pipeline.Process(frame), device.Sink, device.Status, time, log);

        _loops.AddRange(device.Run(_stopping.Token));
        _loops.Add(new PipelineWatchdog(notifier, () => _sensorLoop.Iterations, time).RunAsync(_stopping.Token));
        _loops.Add(HousekeepingAsync(device, _stopping.Token));
        _loops.Add(FollowWallClockAsync(device, _stopping.Token));
        _loops.Add(Logged("reloading secrets", new SecretsReloader(settings, device.Link, keys, device.Sink, time, log).RunAsync(_stopping.Token)));
        if (settings.Sensor.Ambient.Kind is not null) _loops.Add(AmbientLoopAsync(device.Status, _stopping.Token));
        _sensorThread = new Thread(() => _sensorLoop.Run(_stopping.Token)) { IsBackground = true, Name = "sensor-loop" };
        _sensorThread.Start();
        notifier.Status($"monitoring with model version {record.Version}");
        if (!lifecycle.HostNotifies) notifier.Ready();
        log.LogInformation("Monitoring {Kind} with model version {Version} ({Method}); state in {State}.", _sensor.Kind, record.Version, record.Method, settings.StateDirectory);
    }

    async Task HousekeepingAsync(DeviceComposition device, CancellationToken cancellation)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10));
        while (await timer.WaitForNextTickAsync(cancellation))
        {
            await device.HousekeepAsync();
            if (GcHeapReport.Enabled) log.LogInformation("{Report}", GcHeapReport.Describe());
        }
    }

    /// <summary>Re-anchors the data clock once the wall clock is plausible (or jumps after that), with a clock_adjusted event.</summary>
    async Task FollowWallClockAsync(DeviceComposition device, CancellationToken cancellation)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5), systemTime);
        while (await timer.WaitForNextTickAsync(cancellation))
        {
            if (time.Check() is not { } adjusted) continue;
            log.LogWarning("The wall clock moved by {Offset}; the data clock follows it from now on.", adjusted.Offset);
            await ClockShift.ApplyAsync(adjusted, device.Stores.Samples, device.Events, device.Pipeline?.Adaptation); // before the event, whose own time is already the new one
            device.Sink.Emit("clock_adjusted", adjusted.To.ToUnixTimeMilliseconds(), new JsonObject
            {
                ["from"] = adjusted.From.ToUnixTimeMilliseconds(), ["to"] = adjusted.To.ToUnixTimeMilliseconds(),
                ["offsetMs"] = (long)adjusted.Offset.TotalMilliseconds,
            });
        }
    }

    /// <summary>Reads the ambient side channel every Sensor:Ambient:IntervalSeconds into status; its faults never stop scoring.</summary>
    async Task AmbientLoopAsync(DaemonStatus status, CancellationToken cancellation)
    {
        AmbientSettings section = settings.Sensor.Ambient;
        using IAmbientSensor? ambient = SensorFactory.CreateAmbient(section);
        if (ambient is null) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, section.IntervalSeconds)));
        do
        {
            status.SetAmbient(ambient.TryRead(out AmbientReading r)
                ? new JsonObject
                {
                    ["temperatureC"] = Math.Round(r.TemperatureC, 2), ["humidityPercent"] = Math.Round(r.HumidityPercent, 1),
                    ["pressureHpa"] = Math.Round(r.PressureHpa, 1), ["ts"] = r.Time.ToUnixTimeMilliseconds(),
                }
                : new JsonObject { ["kind"] = ambient.Kind, ["error"] = ambient.Health.Reason });
        }
        while (await timer.WaitForNextTickAsync(cancellation));
    }

    /// <summary>A one-off background task whose failure is logged rather than lost.</summary>
    async Task Logged(string what, Task task)
    {
        try { await task; }
        catch (Exception e) when (e is not OperationCanceledException) { log.LogError(e, "Failed {What}.", what); }
    }

    async Task<BrokerAddress> BrokerAsync(CancellationToken cancellation)
    {
        if (settings.Mqtt.Uri is { Length: > 0 } text)
        {
            var uri = new Uri(text);
            bool tls = uri.Scheme == "mqtts";
            return new(uri.Host, uri.Port > 0 ? uri.Port : tls ? 8883 : 1883, tls);
        }
        _broker = await EmbeddedBroker.StartUnlessListeningAsync(1883, cancellation);
        log.LogInformation(_broker is null ? "A broker already listens on 127.0.0.1:1883; connecting to it." : "Started the embedded MQTT broker on 127.0.0.1:1883.");
        return new("127.0.0.1", 1883, false);
    }

    async Task WaitConnectedAsync(TimeSpan timeout, CancellationToken cancellation)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!_device!.Link.Connected && DateTime.UtcNow < deadline) await Task.Delay(25, cancellation);
        await Task.Delay(100, cancellation); // the link's own on-connect publishing (online, starting) runs now
        if (!_device.Link.Connected) log.LogWarning("No broker yet; monitoring starts anyway and events wait in the queue.");
    }

    byte[]? CommandKey() => settings.Security.CommandKeyFile is { Length: > 0 } file ? CommandSignature.ReadKey(file) : null;

    internal static string Version => typeof(DaemonRuntime).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!lifecycle.HostNotifies) notifier.Stopping();
        _stopping.Cancel();
        _sensorThread?.Join(TimeSpan.FromSeconds(5));
        if (_device is not null)
        {
            _device.Pipeline?.Adaptation.SaveState(); // the sensor thread is done: a watch's and a probation's counts as they stand
            await _device.Stores.Samples.FlushAsync();
            await _device.Link.StopAsync(TimeSpan.FromSeconds(3));
        }
        try { await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken); }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException) { }
        catch (Exception e) { log.LogWarning(e, "A background loop failed while stopping; the state is closed cleanly all the same."); }
        if (_device is not null) await _device.Link.DisposeAsync();
        if (_broker is not null) await _broker.DisposeAsync();
        _sensor?.Dispose();
    }
}
