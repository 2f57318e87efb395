using System.Text.Json.Nodes;
using MQTTnet;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Mqtt.HomeAssistant;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;

namespace SensorOdl.Daemon.Mqtt;

/// <summary>
/// Everything the daemon says over MQTT: retained availability, status, model and discovery on every
/// (re)connect; status on every state change, every second while training and every 10 s otherwise;
/// telemetry at most once per interval; and the outbound queue, flushed in order, each message deleted
/// only after the broker acknowledged it.
/// </summary>
public sealed class MqttPublisher
{
    readonly MqttLink _link;
    readonly Topics _topics;
    readonly DaemonStatus _status;
    readonly EventLog _events;
    readonly ModelRegistry _registry;
    readonly LiveSettings _settings;
    readonly TimeProvider _time;
    readonly string _version;
    readonly SemaphoreSlim _outboxSignal = new(0);
    readonly SemaphoreSlim _statusSignal = new(0);
    TelemetrySample? _latest; // written by the pipeline thread, read by the telemetry loop: one immutable reference
    long _lastTelemetryMs;

    readonly Action<string>? _log;

    public MqttPublisher(MqttLink link, Topics topics, DaemonStatus status, EventLog events, ModelRegistry registry, LiveSettings settings,
        string version, TimeProvider time, Action<string>? warn = null)
    {
        _log = warn;
        _link = link;
        _topics = topics;
        _status = status;
        _events = events;
        _registry = registry;
        _settings = settings;
        _time = time;
        _version = version;
        events.Queued += () => Release(_outboxSignal);
        status.Changed += () => Release(_statusSignal);
        link.OnConnected = OnConnectedAsync;
    }

    long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    static void Release(SemaphoreSlim signal)
    {
        if (signal.CurrentCount == 0) signal.Release();
    }

    /// <summary>
    /// The retained state again — the broker may have lost it (restarted without persistence) — then the queue. A
    /// retained message that did not get there throws, so that <see cref="MqttLink"/> tries again after its back-off; one
    /// the broker refuses (an ACL, say) it never takes, and is only logged.
    /// </summary>
    public async Task OnConnectedAsync(CancellationToken cancellation)
    {
        await RepublishAsync(Messages.Retained(_topics.Availability, "online"), cancellation);
        await RepublishAsync(Messages.Retained(_topics.Status, _status.ToJson(NowMs).ToJsonString()), cancellation);
        if (ModelMessage() is { } model) await RepublishAsync(model, cancellation);
        foreach ((string topic, string payload) in DiscoveryMessages())
            await RepublishAsync(Messages.Retained(topic, payload), cancellation);
        _handedOver = true;
        Release(_outboxSignal);
    }

    async Task RepublishAsync(MqttApplicationMessage message, CancellationToken cancellation)
    {
        switch (await _link.DeliverAsync(message, cancellation))
        {
            case Delivery.NotSent:
                throw new InvalidOperationException($"the retained {message.Topic} did not get to the broker");
            case Delivery.Refused:
                _log?.Invoke($"The broker will not take the retained {message.Topic}.");
                break;
        }
    }

    public Task PublishStatusAsync(CancellationToken cancellation) =>
        _link.PublishAsync(Messages.Retained(_topics.Status, _status.ToJson(NowMs).ToJsonString()), cancellation);

    public async Task PublishModelAsync(CancellationToken cancellation)
    {
        if (ModelMessage() is { } model) await _link.PublishAsync(model, cancellation);
    }

    MqttApplicationMessage? ModelMessage() =>
        _registry.Active is { } active ? Messages.Retained(_topics.Model, ModelJson(active).ToJsonString()) : null;

    /// <summary>The retained model topic's payload (docs/CONTRACT.md §3) for a version.</summary>
    public static JsonObject ModelJson(ModelVersionRecord active) => new()
    {
        ["version"] = active.Version,
        ["id"] = active.Id,
        ["parentVersion"] = active.ParentVersion,
        ["method"] = active.Method,
        ["createdAt"] = active.CreatedAt,
        ["trainSamples"] = active.TrainSamples,
        ["metrics"] = new JsonObject(active.Metrics.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, kv.Value))),
        ["reason"] = active.Reason,
    };

    public async Task PublishDiscoveryAsync(CancellationToken cancellation)
    {
        foreach ((string topic, string payload) in DiscoveryMessages())
            await _link.PublishAsync(Messages.Retained(topic, payload), cancellation);
    }

    /// <summary>The kept versions the last discovery listed as rollback options: a change re-announces it.</summary>
    IReadOnlyList<int> _announcedVersions = [];

    /// <summary>Whether this run has handed the other discovery form's topics over (on its first connect).</summary>
    volatile bool _handedOver;

    IReadOnlyList<(string Topic, string Payload)> DiscoveryMessages()
    {
        DaemonSettings settings = _settings.Current;
        HomeAssistantContext context = HomeAssistantState.Context(settings, _registry);
        _announcedVersions = context.KeptVersions;
        return HomeAssistantDiscovery.Messages(_topics, _version, context, settings.HomeAssistant.PerEntityDiscovery, settings.HomeAssistant.SupportUrl,
            handOver: !_handedOver);
    }

    async Task ReannounceIfVersionsChangedAsync(CancellationToken cancellation)
    {
        if (!_link.Connected || HomeAssistantState.KeptVersions(_registry).SequenceEqual(_announcedVersions)) return;
        await PublishDiscoveryAsync(cancellation);
    }

    /// <summary>From the pipeline thread: remember the newest score; the telemetry loop sends it.</summary>
    public void OnScored(WindowResult result, long ts) =>
        Volatile.Write(ref _latest, new TelemetrySample(ts, result.Score, result.Threshold, result.Anomalous));

    public async Task RunStatusLoopAsync(CancellationToken cancellation)
    {
        int lastModel = -1;
        while (!cancellation.IsCancellationRequested)
        {
            TimeSpan period = _status.State is DaemonState.Training or DaemonState.Validating ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(10);
            await _statusSignal.WaitAsync(period, cancellation);
            await PublishStatusAsync(cancellation);
            int model = _status.Model?.Version ?? -1;
            if (model != lastModel && await PublishModelRetainedIfConnected(cancellation)) lastModel = model;
            await ReannounceIfVersionsChangedAsync(cancellation);
        }
    }

    async Task<bool> PublishModelRetainedIfConnected(CancellationToken cancellation)
    {
        if (!_link.Connected) return false;
        await PublishModelAsync(cancellation);
        return true;
    }

    public async Task RunTelemetryLoopAsync(CancellationToken cancellation)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        TelemetrySample? sent = null;
        while (await timer.WaitForNextTickAsync(cancellation))
        {
            TelemetrySample? latest = Volatile.Read(ref _latest);
            if (latest is null || ReferenceEquals(latest, sent) || !_link.Connected) continue;
            long now = NowMs;
            if (now - _lastTelemetryMs < _settings.Current.Mqtt.TelemetryIntervalSeconds * 1000) continue;
            _lastTelemetryMs = now;
            sent = latest;
            await _link.PublishAsync(Messages.Telemetry(_topics.Telemetry, latest.ToJson()), cancellation);
        }
    }

    public async Task RunOutboxLoopAsync(CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested)
        {
            await _outboxSignal.WaitAsync(TimeSpan.FromSeconds(2), cancellation);
            if (_link.Connected) await FlushOutboxAsync(cancellation);
        }
    }

    /// <summary>
    /// Delivers queued events and replies in queue order, a batch at a time; the delivered ones of a batch leave the
    /// queue in one transaction. Stops at the first failure to keep the order — except for a message the broker
    /// refuses (not authorised, too large, …) or that fails <see cref="MaxAttempts"/> times while the link stays up:
    /// it will never be taken, so it leaves the queue with a warning instead of holding back everything behind it.
    /// </summary>
    public async Task FlushOutboxAsync(CancellationToken cancellation)
    {
        while (_link.Connected)
        {
            IReadOnlyList<OutboxMessage> batch = _events.Pending(BatchSize);
            if (batch.Count == 0) return;
            List<long> done = new(batch.Count);
            bool stopped = false;
            foreach (OutboxMessage message in batch)
            {
                MqttApplicationMessage mqtt = Messages.Event(message.Topic, message.Payload, message.CorrelationData);
                bool connectedBefore = _link.Connected;
                Delivery delivery = await _link.DeliverAsync(mqtt, cancellation);
                if (delivery == Delivery.NotSent && connectedBefore && ++_failures.Attempts(message.Id) >= MaxAttempts) delivery = Delivery.Refused;
                if (delivery == Delivery.Refused)
                    _log?.Invoke($"The broker will not take queued message {message.Id} ({(message.Type is null ? "reply" : $"event {message.Type}, seq {message.Seq}")}) on {message.Topic}; it leaves the queue.");
                if (delivery == Delivery.NotSent)
                {
                    stopped = true;
                    break;
                }
                _failures.Forget(message.Id);
                done.Add(message.Id);
            }
            if (done.Count > 0) await _events.MarkDeliveredAsync(done);
            if (stopped) return;
        }
    }

    const int BatchSize = 100;
    /// <summary>Publishes of one message that may fail while the link stays up before it counts as refused.</summary>
    public const int MaxAttempts = 5;
    readonly DeliveryFailures _failures = new();
}

/// <summary>Failed publishes per queued message; only the flush loop touches it.</summary>
sealed class DeliveryFailures
{
    readonly Dictionary<long, int> _counts = [];

    public ref int Attempts(long id) => ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_counts, id, out _);

    public void Forget(long id) => _counts.Remove(id);
}

/// <summary>One scored window as telemetry sends it (docs/CONTRACT.md §3); immutable, so a message never mixes two windows.</summary>
public sealed record TelemetrySample(long Ts, float Score, float Threshold, bool Anomalous)
{
    public string ToJson() => new JsonObject
    {
        ["ts"] = Ts,
        ["score"] = Math.Round(Score, 6),
        ["threshold"] = Math.Round(Threshold, 6),
        ["anomaly"] = Anomalous,
    }.ToJsonString();
}
