using SensorOdl.Drivers.Features;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Host.Systemd;
using SensorOdl.Daemon.Mqtt;
using SensorOdl.Daemon.Mqtt.HomeAssistant;
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
    MqttLink? _link;
    MqttPublisher? _publisher;
    SampleStore? _samples;
    Thread? _sensorThread;
    SensorLoop? _sensorLoop;

    MonitoringPipeline? _pipeline;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var live = new LiveSettings(settings);
        string device = settings.DeviceId;
        var topics = new Topics(settings.Mqtt.TopicPrefix, device);
        state.WriteFailed += e => log.LogError(e, "A state database write failed.");
        PipelineStores stores = PipelineStores.Open(state, settings.StateDirectory, settings.Storage);
        _samples = stores.Samples;
        var events = new EventLog(state, topics.Events, settings.Mqtt.QueueLimit);
        var seen = new SeenCommands(state, time.GetUtcNow().ToUnixTimeMilliseconds());
        var sink = new EventLogSink(events, (type, fields) => log.LogInformation("event {Type} {Fields}", type, fields?.ToJsonString()), () => time.Synced);

        _sensor = SensorFactory.Create(settings.Sensor, pacer: new SamplePacer(time)); // back-off and pacing on the daemon's one clock
        var vectorizer = new FeatureTransform(_sensor.Format);
        var status = new DaemonStatus(device, _sensor.Kind, time);

        (string host, int port, bool tls) = await BrokerAsync(cancellationToken);
        _link = new MqttLink(settings.Mqtt, topics, host, port, tls, log);
        var inbox = new CommandInbox(settings.Mqtt, sink, time, log); // commands that come while starting wait here
        _link.Received = inbox.Offer;
        _publisher = new MqttPublisher(_link, topics, status, events, stores.Registry, live, Version, time, m => log.LogWarning("{Message}", m));
        _loops.Add(_link.RunAsync(_stopping.Token));
        await WaitConnectedAsync(TimeSpan.FromSeconds(3), cancellationToken); // `online` + `starting` before a first-start training

        (AnomalyModel model, ModelVersionRecord record) = ModelSelection.Select(settings, stores.Registry, vectorizer, m => log.LogInformation("{Message}", m));
        _pipeline = new MonitoringPipeline(live, stores, vectorizer, status, sink, time, model, record);
        _loops.Add(Logged("pruning the forward cache", stores.ForwardCache.PruneAsync(stores.Registry.LiveBaseHashes()))); // entries of bases no kept version uses are dead weight
        var handlers = new CommandHandlers(live, status, stores.Registry, stores.Samples, sink, _pipeline.Model, _pipeline.Adaptation,
            () => _sensorLoop!.LastDataS, time)
        {
            Deploy = new DeployHandler(live, status, stores.Registry, _pipeline.Adaptation, _pipeline.Model, sink, vectorizer.Configuration,
                new DeployTransferStore(settings.StateDirectory, time), time),
        };
        CommandKeys? keys = CommandKey() is { } key ? new CommandKeys(key, TimeSpan.FromMinutes(settings.Security.KeyOverlapMinutes), time) : null;
        var commands = new CommandProcessor(settings.Security, topics, events, sink, handlers, seen, keys, time,
            new UnsignedHomeAssistantCommands(settings.Security, () => HomeAssistantState.KeptVersions(stores.Registry)));
        _pipeline.Monitor.Scored += _publisher.OnScored;
        _sensorLoop = new SensorLoop(_sensor, frame => _pipeline.Process(frame), sink, status, time, log);
        status.Started();

        _loops.Add(_publisher.RunStatusLoopAsync(_stopping.Token));
        _loops.Add(_publisher.RunTelemetryLoopAsync(_stopping.Token));
        _loops.Add(_publisher.RunOutboxLoopAsync(_stopping.Token));
        _loops.Add(inbox.RunAsync(commands.HandleAsync, _publisher.PublishDiscoveryAsync, _stopping.Token));
        _loops.Add(new PipelineWatchdog(notifier, () => _sensorLoop.Iterations, time).RunAsync(_stopping.Token));
        _loops.Add(HousekeepingAsync(events, _stopping.Token));
        _loops.Add(FollowWallClockAsync(sink, events, _stopping.Token));
        _loops.Add(Logged("reloading secrets", new SecretsReloader(settings, _link, keys, sink, time, log).RunAsync(_stopping.Token)));
        if (settings.Sensor.Ambient.Kind is not null) _loops.Add(AmbientLoopAsync(status, _stopping.Token));
        _sensorThread = new Thread(() => _sensorLoop.Run(_stopping.Token)) { IsBackground = true, Name = "sensor-loop" };
        _sensorThread.Start();
        notifier.Status($"monitoring with model version {record.Version}");
        if (!lifecycle.HostNotifies) notifier.Ready();
        log.LogInformation("Monitoring {Kind} with model version {Version} ({Method}); state in {State}.", _sensor.Kind, record.Version, record.Method, settings.StateDirectory);
    }

    async Task HousekeepingAsync(EventLog events, CancellationToken cancellation)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10));
        long lastFlush = Environment.TickCount64;
        while (await timer.WaitForNextTickAsync(cancellation))
        {
            // Every sample transaction rewrites whole 8 kB pages (data, both indexes, the ring's evictions): flushing the
            // few windows of 10 s each time made most of the bytes written per hour (docs/BENCHMARKS.md, "SD-card writes").
            if (Environment.TickCount64 - lastFlush >= settings.Storage.SampleFlushSeconds * 1000 - 1000)
            {
                await _samples!.FlushAsync();
                lastFlush = Environment.TickCount64;
            }
            await events.PruneAsync(settings.Storage.EventRetentionDays, time.GetUtcNow().ToUnixTimeMilliseconds());
            if (GcHeapReport.Enabled) log.LogInformation("{Report}", GcHeapReport.Describe());
        }
    }

    /// <summary>Re-anchors the data clock once the wall clock is plausible (or jumps after that), with a clock_adjusted event.</summary>
    async Task FollowWallClockAsync(IEventSink sink, EventLog events, CancellationToken cancellation)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5), systemTime);
        while (await timer.WaitForNextTickAsync(cancellation))
        {
            if (time.Check() is not { } adjusted) continue;
            log.LogWarning("The wall clock moved by {Offset}; the data clock follows it from now on.", adjusted.Offset);
            await ClockShift.ApplyAsync(adjusted, _samples!, events, _pipeline?.Adaptation); // before the event, whose own time is already the new one
            sink.Emit("clock_adjusted", adjusted.To.ToUnixTimeMilliseconds(), new JsonObject
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

    async Task<(string Host, int Port, bool Tls)> BrokerAsync(CancellationToken cancellation)
    {
        if (settings.Mqtt.Uri is { Length: > 0 } text)
        {
            var uri = new Uri(text);
            bool tls = uri.Scheme == "mqtts";
            return (uri.Host, uri.Port > 0 ? uri.Port : tls ? 8883 : 1883, tls);
        }
        _broker = await EmbeddedBroker.StartUnlessListeningAsync(1883, cancellation);
        log.LogInformation(_broker is null ? "A broker already listens on 127.0.0.1:1883; connecting to it." : "Started the embedded MQTT broker on 127.0.0.1:1883.");
        return ("127.0.0.1", 1883, false);
    }

    async Task WaitConnectedAsync(TimeSpan timeout, CancellationToken cancellation)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!_link!.Connected && DateTime.UtcNow < deadline) await Task.Delay(25, cancellation);
        await Task.Delay(100, cancellation); // the link's own on-connect publishing (online, starting) runs now
        if (!_link.Connected) log.LogWarning("No broker yet; monitoring starts anyway and events wait in the queue.");
    }

    byte[]? CommandKey() => settings.Security.CommandKeyFile is { Length: > 0 } file ? CommandSignature.ReadKey(file) : null;

    internal static string Version => typeof(DaemonRuntime).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!lifecycle.HostNotifies) notifier.Stopping();
        _stopping.Cancel();
        _sensorThread?.Join(TimeSpan.FromSeconds(5));
        if (_samples is not null) await _samples.FlushAsync();
        if (_link is not null) await _link.StopAsync(TimeSpan.FromSeconds(3));
        try { await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken); }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException) { }
        catch (Exception e) { log.LogWarning(e, "A background loop failed while stopping; the state is closed cleanly all the same."); }
        if (_link is not null) await _link.DisposeAsync();
        if (_broker is not null) await _broker.DisposeAsync();
        _sensor?.Dispose();
    }
}
