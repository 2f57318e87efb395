using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Mqtt;
using SensorOdl.Daemon.Mqtt.HomeAssistant;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Drivers.Features;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Host;

/// <summary>The broker a device connects to.</summary>
public sealed record BrokerAddress(string Host, int Port, bool Tls);

/// <summary>What differs between the daemon (<see cref="DaemonRuntime"/>) and a simulated device of `fleet simulate`.</summary>
public sealed record DeviceWiring(TimeProvider Time, ILogger Log)
{
    /// <summary>Every event also goes here (the daemon logs each one).</summary>
    public Action<string, JsonObject?>? EventEcho { get; init; }
    /// <summary>While it says false, events carry <c>clockSynced: false</c> (the daemon's anchored clock).</summary>
    public Func<bool>? ClockSynced { get; init; }
    /// <summary>Where adaptation jobs train: null, a thread of their own; the fleet's one serial worker.</summary>
    public TaskScheduler? TrainingScheduler { get; init; }
    /// <summary>The deploy command is served (the daemon); otherwise it is answered as not supported.</summary>
    public bool AcceptsDeploys { get; init; }
}

/// <summary>
/// The daemon's parts for one device, composed in one place for `sensorodl run` (<see cref="DaemonRuntime"/>) and for each
/// device of `fleet simulate`, so a part added to the daemon is added once. First the state's stores, the event log, the
/// seen command ids, the broker link with its command inbox and the publisher; then, once the caller has chosen a model,
/// <see cref="Monitor"/>: the monitoring pipeline with its adaptation coordinator, the command handlers and the command
/// processor. The caller owns the state database, the sensor and the loops it starts (<see cref="RunLink"/>, <see cref="Run"/>).
/// </summary>
public sealed class DeviceComposition
{
    readonly DaemonSettings _settings;
    readonly DeviceWiring _wiring;
    readonly string _stateDirectory;
    long _lastFlushMs;
    Task? _link;

    public DeviceComposition(DaemonSettings settings, StateDatabase state, string sensorKind, BrokerAddress broker, DeviceWiring wiring)
    {
        _settings = settings;
        _wiring = wiring;
        _stateDirectory = state.Directory;
        ILogger log = wiring.Log;
        Live = new LiveSettings(settings);
        Topics = new Topics(settings.Mqtt.TopicPrefix, settings.DeviceId);
        state.WriteFailed += e => log.LogError(e, "A state database write failed.");
        Stores = PipelineStores.Open(state, state.Directory, settings.Storage);
        Events = new EventLog(state, Topics.Events, settings.Mqtt.QueueLimit);
        Seen = new SeenCommands(state, wiring.Time.GetUtcNow().ToUnixTimeMilliseconds());
        Sink = new EventLogSink(Events, wiring.EventEcho, wiring.ClockSynced);
        Status = new DaemonStatus(settings.DeviceId, sensorKind, wiring.Time);
        Link = new MqttLink(settings.Mqtt, Topics, broker.Host, broker.Port, broker.Tls, log);
        Inbox = new CommandInbox(settings.Mqtt, Sink, wiring.Time, log); // commands that come while starting wait here
        Link.Received = Inbox.Offer;
        Publisher = new MqttPublisher(Link, Topics, Status, Events, Stores.Registry, Live, DaemonRuntime.Version, wiring.Time, m => log.LogWarning("{Message}", m));
    }

    public LiveSettings Live { get; }
    public Topics Topics { get; }
    public PipelineStores Stores { get; }
    public EventLog Events { get; }
    public SeenCommands Seen { get; }
    public EventLogSink Sink { get; }
    public DaemonStatus Status { get; }
    public MqttLink Link { get; }
    public CommandInbox Inbox { get; }
    public MqttPublisher Publisher { get; }
    /// <summary>Set by <see cref="Monitor"/>.</summary>
    public MonitoringPipeline? Pipeline { get; private set; }
    public CommandProcessor? Commands { get; private set; }

    /// <summary>
    /// The pipeline on <paramref name="model"/> (version <paramref name="record"/>), the command handlers (the retrain
    /// command's "now" is <paramref name="lastDataS"/>) and the processor that checks commands (signed with
    /// <paramref name="keys"/> when given); scored windows go to the publisher.
    /// </summary>
    public MonitoringPipeline Monitor(AnomalyModel model, ModelVersionRecord record, FeatureTransform features, Func<double> lastDataS, CommandKeys? keys)
    {
        TimeProvider time = _wiring.Time;
        var pipeline = Pipeline = new MonitoringPipeline(Live, Stores, features, Status, Sink, time, model, record, trainingScheduler: _wiring.TrainingScheduler);
        var handlers = new CommandHandlers(Live, Status, Stores.Registry, Stores.Samples, Sink, pipeline.Model, pipeline.Adaptation, lastDataS, time)
        {
            Deploy = _wiring.AcceptsDeploys
                ? new DeployHandler(Live, Status, Stores.Registry, pipeline.Adaptation, pipeline.Model, Sink, features.Configuration,
                    new DeployTransferStore(_stateDirectory, time), time)
                : null,
        };
        Commands = new CommandProcessor(_settings.Security, Topics, Events, Sink, handlers, Seen, keys, time,
            new UnsignedHomeAssistantCommands(_settings.Security, () => HomeAssistantState.KeptVersions(Stores.Registry)));
        pipeline.Monitor.Scored += Publisher.OnScored;
        return pipeline;
    }

    /// <summary>
    /// The broker connection's loop, started before <see cref="Run"/> where `online` and `starting` must go out before a
    /// long start (the daemon's first-start training); otherwise <see cref="Run"/> starts it.
    /// </summary>
    public Task RunLink(CancellationToken stopping) => _link ??= Link.RunAsync(stopping);

    /// <summary>Marks the device started and runs the link (unless it runs), the publisher's loops (status, telemetry, outbox) and the command inbox.</summary>
    public IReadOnlyList<Task> Run(CancellationToken stopping)
    {
        CommandProcessor commands = Commands ?? throw new InvalidOperationException($"{nameof(Monitor)} comes before {nameof(Run)}.");
        Status.Started();
        _lastFlushMs = Environment.TickCount64;
        bool linkRuns = _link is not null;
        Task link = RunLink(stopping);
        return
        [
            .. linkRuns ? Array.Empty<Task>() : [link],
            Publisher.RunStatusLoopAsync(stopping),
            Publisher.RunTelemetryLoopAsync(stopping),
            Publisher.RunOutboxLoopAsync(stopping),
            Inbox.RunAsync(commands.HandleAsync, Publisher.PublishDiscoveryAsync, stopping),
        ];
    }

    /// <summary>The buffered sample writes every Storage:SampleFlushSeconds, events past Storage:EventRetentionDays pruned.</summary>
    public async Task HousekeepAsync()
    {
        // Every sample transaction rewrites whole 8 kB pages (data, both indexes, the ring's evictions): flushing the
        // few windows of 10 s each time made most of the bytes written per hour (docs/BENCHMARKS.md, "SD-card writes").
        if (Environment.TickCount64 - _lastFlushMs >= _settings.Storage.SampleFlushSeconds * 1000 - 1000)
        {
            await Stores.Samples.FlushAsync();
            _lastFlushMs = Environment.TickCount64;
        }
        await Events.PruneAsync(_settings.Storage.EventRetentionDays, _wiring.Time.GetUtcNow().ToUnixTimeMilliseconds());
    }
}
