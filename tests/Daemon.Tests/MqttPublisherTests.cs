using SensorOdl.TestSupport;
using System.Buffers;
using System.Diagnostics;
using EventLog = SensorOdl.Daemon.Storage.EventLog;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet.Server;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Mqtt;
using SensorOdl.Daemon.Mqtt.HomeAssistant;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// What the daemon says over MQTT (docs/CONTRACT.md §3), through a real <see cref="MqttLink"/> to a real broker:
/// mosquitto on a free loopback port, or MQTTnet's server in process when mosquitto is not installed.
/// Every test uses its own device id, so topics and client ids never meet.
/// </summary>
public sealed class MqttPublisherTests(TestBroker broker) : IClassFixture<TestBroker>
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    const string Version = "9.8.7";
    const long Wrap = 1 << 20;

    [Fact]
    public async Task On_connect_it_publishes_online_status_model_and_discovery_retained_in_that_order()
    {
        await using var rig = await PublisherRig.CreateAsync(broker);
        string deviceConfig = $"homeassistant/device/sensorodl_{rig.Device}/config";
        await using Subscriber watcher = await Subscriber.ConnectAsync(broker, $"sensorodl/{rig.Device}/#", $"homeassistant/+/{rig.Device}/+/config", deviceConfig);

        rig.Connect();

        int legacyTopics = HomeAssistantEntities.AllObjects(rig.Topics).Count;
        IReadOnlyList<Received> all = await watcher.WaitForCountAsync(m => m.Topic.StartsWith("homeassistant/"), 2 * legacyTopics + 1, "the device config, and a marker and a clearing per per-entity topic");
        Received online = watcher.Single(rig.Topics.Availability);
        Received status = watcher.Single(rig.Topics.Status);
        Received model = watcher.Single(rig.Topics.Model);
        Assert.Equal("online", online.Text);
        Assert.All(new[] { online, status, model }.Concat(all.Where(m => m.Topic.StartsWith("homeassistant/"))), m => Assert.True(m.Retain, $"{m.Topic} is not retained"));

        JsonObject s = status.Json;
        Assert.Equal(rig.Device, (string)s["device"]!);
        Assert.Equal("starting", (string)s["state"]!);
        Assert.Equal(1, (int)s["model"]!["version"]!);

        JsonObject m = model.Json;
        ModelVersionRecord active = rig.Registry.Active!;
        Assert.Equal(1, (int)m["version"]!);
        Assert.Equal(active.Id, (string)m["id"]!);
        Assert.Null(m["parentVersion"]);
        Assert.Equal("base", (string)m["method"]!);
        Assert.Equal(active.CreatedAt, (long)m["createdAt"]!);
        Assert.Equal(40, (int)m["trainSamples"]!);
        Assert.Equal(2.0, (double)m["metrics"]!["threshold"]!);
        Assert.Equal("test base", (string)m["reason"]!);

        Received config = Assert.Single(all, x => x.Topic == deviceConfig);
        Assert.Equal(Version, (string)config.Json["dev"]!["sw"]!);
        Assert.Equal(Version, (string)config.Json["o"]!["sw"]!);
        foreach ((string platform, string objectId) in HomeAssistantEntities.AllObjects(rig.Topics))
            Assert.Equal([HomeAssistantDiscovery.MigrateMarker, ""],
                all.Where(x => x.Topic == $"homeassistant/{platform}/{rig.Device}/{objectId}/config").Select(x => x.Text));

        // availability, then status, then model, then discovery.
        List<string> order = [.. watcher.All().Select(x => x.Topic.StartsWith("homeassistant/") ? "discovery" : x.Topic)];
        int firstDiscovery = order.IndexOf("discovery");
        Assert.True(order.IndexOf(rig.Topics.Availability) < order.IndexOf(rig.Topics.Status), string.Join(", ", order));
        Assert.True(order.IndexOf(rig.Topics.Status) < order.IndexOf(rig.Topics.Model), string.Join(", ", order));
        Assert.True(order.IndexOf(rig.Topics.Model) < firstDiscovery, string.Join(", ", order));

        // Retained at the broker: a client that subscribes later gets them too.
        await using Subscriber late = await Subscriber.ConnectAsync(broker, $"sensorodl/{rig.Device}/#");
        await late.WaitForCountAsync(x => x.Retain && (x.Topic == rig.Topics.Availability || x.Topic == rig.Topics.Status || x.Topic == rig.Topics.Model), 3, "the retained topics");
    }

    [Fact]
    public async Task Telemetry_follows_the_live_interval_and_never_sends_a_sample_twice()
    {
        var clock = new CountingClock(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        await using var rig = await PublisherRig.CreateAsync(broker, telemetryIntervalSeconds: 60, time: clock);
        await using Subscriber watcher = await Subscriber.ConnectAsync(broker, rig.Topics.Telemetry, rig.Topics.Availability);
        rig.Connect();
        rig.Run(rig.Publisher.RunTelemetryLoopAsync);
        await watcher.WaitForAsync(m => m.Topic == rig.Topics.Availability, "online");

        rig.Score(1001);
        await watcher.WaitForAsync(m => m.Topic == rig.Topics.Telemetry && (long)m.Json["ts"]! == 1001, "the first sample");

        // Within the 60 s interval a newer window waits: let the loop look at it twice, then supersede it.
        long calls = clock.Calls;
        rig.Score(1002);
        await WaitUntilAsync(() => clock.Calls >= calls + 2, "two telemetry ticks that saw sample 1002");
        rig.Score(1003);
        clock.Advance(TimeSpan.FromSeconds(61));
        await watcher.WaitForAsync(m => m.Topic == rig.Topics.Telemetry && (long)m.Json["ts"]! == 1003, "the sample after the interval");

        // Mqtt:TelemetryIntervalSeconds = 0 at runtime (the `set` command's way): the next window goes at once, clock standing still.
        rig.Settings.Update(s => s with { Mqtt = s.Mqtt with { TelemetryIntervalSeconds = 0 } });
        rig.Score(1004);
        await watcher.WaitForAsync(m => m.Topic == rig.Topics.Telemetry && (long)m.Json["ts"]! == 1004, "a sample right after the interval became 0");

        // With nothing new, ticks pass without a message; the next new window is the next message.
        await Task.Delay(350);
        rig.Score(1005);
        await watcher.WaitForAsync(m => m.Topic == rig.Topics.Telemetry && (long)m.Json["ts"]! == 1005, "the marker sample");

        Assert.Equal([1001L, 1003L, 1004L, 1005L], watcher.On(rig.Topics.Telemetry).Select(m => (long)m.Json["ts"]!));
        Assert.All(watcher.On(rig.Topics.Telemetry), m => Assert.False(m.Retain));
    }

    [Fact]
    public async Task A_telemetry_message_carries_the_values_of_one_window()
    {
        await using var rig = await PublisherRig.CreateAsync(broker, telemetryIntervalSeconds: 0);
        await using Subscriber watcher = await Subscriber.ConnectAsync(broker, rig.Topics.Telemetry);
        rig.Connect();
        rig.Run(rig.Publisher.RunTelemetryLoopAsync);

        // A pipeline thread scoring as fast as it can: window i has score s = i mod 2²⁰ (exact in a float), threshold s + 0.5,
        // ts 10⁶ + i, and is anomalous when s is odd.
        using var stop = new CancellationTokenSource();
        Task feeder = Task.Factory.StartNew(() =>
        {
            for (long i = 1; !stop.IsCancellationRequested; i++)
            {
                float s = i % Wrap;
                rig.Publisher.OnScored(new WindowResult(true, s, s + 0.5f, s % 2 == 1, default, i), 1_000_000 + i);
            }
        }, TaskCreationOptions.LongRunning);
        IReadOnlyList<Received> messages;
        try { messages = await watcher.WaitForCountAsync(m => m.Topic == rig.Topics.Telemetry, 6, "six telemetry messages"); }
        finally
        {
            stop.Cancel();
            await feeder;
        }

        long previous = 0;
        foreach (Received message in messages)
        {
            JsonObject t = message.Json;
            Assert.Equal(["ts", "score", "threshold", "anomaly"], t.Select(kv => kv.Key));
            long ts = (long)t["ts"]!;
            double score = (double)t["score"]!;
            Assert.Equal((ts - 1_000_000) % Wrap, score);
            Assert.Equal(score + 0.5, (double)t["threshold"]!);
            Assert.Equal(score % 2 == 1, (bool)t["anomaly"]!);
            Assert.True(ts > previous, $"ts {ts} after {previous}: a sample sent twice or out of order");
            previous = ts;
        }
    }

    [Fact]
    public async Task The_outbox_is_delivered_in_queue_order_and_emptied_only_by_delivery()
    {
        await using var rig = await PublisherRig.CreateAsync(broker);
        // Queued while there is no broker connection.
        for (int i = 1; i <= 5; i++) rig.Events.Append("anomaly", i, new JsonObject { ["n"] = i });
        byte[] correlation = [9, 8, 7];
        await rig.Events.EnqueueReplyAsync(rig.Topics.Reply, """{"id":"r1","ok":true}""", correlation, 6);
        for (int i = 6; i <= 10; i++) rig.Events.Append("anomaly_cleared", i, new JsonObject { ["n"] = i });
        rig.State.Write(_ => { });
        await rig.Publisher.FlushOutboxAsync(CancellationToken.None); // not connected: nothing can go
        Assert.Equal(11, rig.Events.Pending(100).Count);

        await using Subscriber watcher = await Subscriber.ConnectAsync(broker, rig.Topics.Events, rig.Topics.Reply);
        rig.Connect();
        rig.Run(rig.Publisher.RunOutboxLoopAsync);

        IReadOnlyList<Received> delivered = await watcher.WaitForCountAsync(m => m.Topic == rig.Topics.Events || m.Topic == rig.Topics.Reply, 11, "the queued events and the reply");
        Assert.Equal(["1", "2", "3", "4", "5", "reply", "6", "7", "8", "9", "10"],
            delivered.Select(m => m.Topic == rig.Topics.Reply ? "reply" : ((long)m.Json["seq"]!).ToString()));
        Received reply = delivered[5];
        Assert.Equal(correlation, reply.CorrelationData);
        Assert.Equal("r1", (string)reply.Json["id"]!);
        Assert.All(delivered, m => Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, m.Qos));
        await WaitUntilAsync(() => rig.Events.Pending(100).Count == 0, "the delivered messages to leave the queue");

        // Later events go out when queued.
        rig.Events.Append("drift_detected", 11);
        await watcher.WaitForAsync(m => m.Topic == rig.Topics.Events && (long)m.Json["seq"]! == 11, "an event queued while connected");
        await WaitUntilAsync(() => rig.Events.Pending(100).Count == 0, "the queue to empty again");
        Assert.Equal(12, watcher.All().Count); // nothing was sent twice
    }

    [Fact]
    public async Task A_message_that_cannot_be_published_holds_back_the_ones_after_it_for_a_few_tries_then_leaves_the_queue()
    {
        await using var rig = await PublisherRig.CreateAsync(broker);
        await using Subscriber watcher = await Subscriber.ConnectAsync(broker, rig.Topics.Events, rig.Topics.Availability);
        rig.Connect();
        await watcher.WaitForAsync(m => m.Topic == rig.Topics.Availability, "online");

        rig.Events.Append("anomaly", 1);
        await rig.Events.EnqueueReplyAsync("replies/#", "{}", null, 2); // a wildcard: no broker can take it
        rig.Events.Append("anomaly_cleared", 3);
        rig.State.Write(_ => { });
        await rig.Publisher.FlushOutboxAsync(CancellationToken.None);

        // A failure may be passing: the order is kept, the bad message waits at the head.
        await watcher.WaitForAsync(m => m.Topic == rig.Topics.Events && (long)m.Json["seq"]! == 1, "the event before the bad message");
        IReadOnlyList<OutboxMessage> left = rig.Events.Pending(100);
        Assert.Equal(["replies/#", rig.Topics.Events], left.Select(m => m.Topic));
        Assert.Equal(2, left[1].Seq);
        Assert.True(rig.Link.Connected);

        // It failed every time while the link stayed up: it can never go, and must not block the queue for ever.
        for (int attempt = 2; attempt <= MqttPublisher.MaxAttempts; attempt++) await rig.Publisher.FlushOutboxAsync(CancellationToken.None);
        await watcher.WaitForAsync(m => m.Topic == rig.Topics.Events && (long)m.Json["seq"]! == 2, "the held-back event");
        Assert.Empty(rig.Events.Pending(100));
        Assert.Equal([1L, 2L], watcher.On(rig.Topics.Events).Select(m => (long)m.Json["seq"]!));
    }

    [Fact]
    public async Task Status_is_published_when_the_state_changes()
    {
        await using var rig = await PublisherRig.CreateAsync(broker);
        await using Subscriber watcher = await Subscriber.ConnectAsync(broker, rig.Topics.Status);
        rig.Status.Started();
        rig.Connect();
        rig.Run(rig.Publisher.RunStatusLoopAsync);
        await watcher.WaitForAsync(m => (string)m.Json["state"]! == "monitoring", "status monitoring");

        rig.Status.SetPaused(true);
        // Well before the 10 s period.
        await watcher.WaitForAsync(m => (string)m.Json["state"]! == "paused", "status paused", TimeSpan.FromSeconds(5));
    }

    static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > Deadline) throw new TimeoutException($"Timed out after {Deadline.TotalSeconds} s waiting for {what}.");
            await Task.Delay(10);
        }
    }
}

/// <summary>A clock that stands still until told to move, and counts how often it was read.</summary>
sealed class CountingClock(DateTimeOffset start) : TimeProvider
{
    long _ms = start.ToUnixTimeMilliseconds();
    long _calls;

    public long Calls => Interlocked.Read(ref _calls);
    public void Advance(TimeSpan by) => Interlocked.Add(ref _ms, (long)by.TotalMilliseconds);

    public override DateTimeOffset GetUtcNow()
    {
        Interlocked.Increment(ref _calls);
        return DateTimeOffset.FromUnixTimeMilliseconds(Interlocked.Read(ref _ms));
    }
}

/// <summary>A publisher over its own state directory and a link to the test broker; nothing runs until asked.</summary>
sealed class PublisherRig : IAsyncDisposable
{
    readonly string _dir;
    readonly CancellationTokenSource _stop = new();
    readonly List<Task> _loops = [];

    PublisherRig(string dir, string device, StateDatabase state, LiveSettings settings, TimeProvider time, int port)
    {
        _dir = dir;
        Device = device;
        State = state;
        Settings = settings;
        Topics = new Topics("sensorodl", device);
        Events = new EventLog(state, Topics.Events, settings.Current.Mqtt.QueueLimit);
        Registry = new ModelRegistry(state, dir);
        ModelVersionRecord record = Registry.AddBase(TinyModels.Base(seed: 3), "test base", 40, new Dictionary<string, double> { ["threshold"] = 2 });
        Status = new DaemonStatus(device, "simulated");
        Status.SetModel(ModelInfo.Of(record), record.Threshold);
        Link = new MqttLink(settings.Current.Mqtt, Topics, "127.0.0.1", port, tls: false, NullLogger.Instance);
        Publisher = new MqttPublisher(Link, Topics, Status, Events, Registry, settings, "9.8.7", time);
    }

    public string Device { get; }
    public StateDatabase State { get; }
    public LiveSettings Settings { get; }
    public Topics Topics { get; }
    public EventLog Events { get; }
    public ModelRegistry Registry { get; }
    public DaemonStatus Status { get; }
    public MqttLink Link { get; }
    public MqttPublisher Publisher { get; }

    public static Task<PublisherRig> CreateAsync(TestBroker broker, double telemetryIntervalSeconds = 1, TimeProvider? time = null)
    {
        string dir = Directory.CreateTempSubdirectory("sensorodl-publisher-").FullName;
        string device = $"pub{Guid.NewGuid():N}"[..15];
        var settings = new LiveSettings(new DaemonSettings { Mqtt = new() { TelemetryIntervalSeconds = telemetryIntervalSeconds } });
        return Task.FromResult(new PublisherRig(dir, device, StateDatabase.Open(dir), settings, time ?? TimeProvider.System, broker.Port));
    }

    /// <summary>Starts the link's supervisor: it connects, subscribes and runs the publisher's on-connect messages.</summary>
    public void Connect() => Run(Link.RunAsync);

    public void Run(Func<CancellationToken, Task> loop) => _loops.Add(loop(_stop.Token));

    public void Score(long ts) => Publisher.OnScored(new WindowResult(true, ts % 100, 50, false, default, ts), ts);

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        foreach (Task loop in _loops)
        {
            try { await loop.WaitAsync(TimeSpan.FromSeconds(5)); }
            catch (Exception e) when (e is OperationCanceledException or TimeoutException) { }
        }
        await Link.DisposeAsync();
        State.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>One message as the subscriber received it, copied out of MQTTnet's buffers.</summary>
sealed record Received(string Topic, string Text, bool Retain, MqttQualityOfServiceLevel Qos, byte[]? CorrelationData)
{
    public JsonObject Json => JsonNode.Parse(Text) as JsonObject ?? throw new InvalidOperationException($"{Topic}: not a JSON object: {Text}");
    public override string ToString() => $"{Topic}{(Retain ? " [retained]" : "")} {Text}";
}

/// <summary>A test-side MQTT 5 client that records what it receives (retain flags as published) and waits for messages.</summary>
sealed class Subscriber : IAsyncDisposable
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    readonly IMqttClient _client;
    readonly List<Received> _received = [];

    Subscriber(IMqttClient client)
    {
        _client = client;
        client.ApplicationMessageReceivedAsync += e =>
        {
            MqttApplicationMessage m = e.ApplicationMessage;
            var copy = new Received(m.Topic, Encoding.UTF8.GetString(m.Payload.ToArray()), m.Retain, m.QualityOfServiceLevel,
                m.CorrelationData is { Length: > 0 } c ? [.. c] : null);
            lock (_received) _received.Add(copy);
            return Task.CompletedTask;
        };
    }

    public static async Task<Subscriber> ConnectAsync(TestBroker broker, params string[] filters)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        var subscriber = new Subscriber(client);
        await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", broker.Port)
            .WithClientId($"watch-{Guid.NewGuid():N}")
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build());
        var subscribe = new MqttClientSubscribeOptionsBuilder();
        foreach (string filter in filters)
            subscribe.WithTopicFilter(new MqttTopicFilterBuilder().WithTopic(filter)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainAsPublished(true).Build());
        await client.SubscribeAsync(subscribe.Build());
        return subscriber;
    }

    public IReadOnlyList<Received> All()
    {
        lock (_received) return [.. _received];
    }

    public IReadOnlyList<Received> On(string topic) => [.. All().Where(m => m.Topic == topic)];

    public Received Single(string topic)
    {
        IReadOnlyList<Received> on = On(topic);
        return on.Count == 1 ? on[0] : throw new InvalidOperationException($"{on.Count} messages on {topic}:\n{string.Join("\n", All())}");
    }

    public async Task<Received> WaitForAsync(Func<Received, bool> match, string what, TimeSpan? timeout = null) =>
        (await WaitForCountAsync(match, 1, what, timeout))[0];

    public async Task<IReadOnlyList<Received>> WaitForCountAsync(Func<Received, bool> match, int count, string what, TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? Deadline;
        var watch = Stopwatch.StartNew();
        while (true)
        {
            List<Received> found = [.. All().Where(match)];
            if (found.Count >= count) return found;
            if (watch.Elapsed > limit)
                throw new TimeoutException($"Timed out after {limit.TotalSeconds} s waiting for {what} (got {found.Count} of {count}). Received:\n{string.Join("\n", All().TakeLast(30))}");
            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_client.IsConnected) await _client.DisconnectAsync();
        }
        catch (Exception) { }
        _client.Dispose();
    }
}

/// <summary>
/// The broker for <see cref="MqttPublisherTests"/>: mosquitto (PATH, /usr/sbin, /usr/local/sbin) on a free loopback
/// port with a generated configuration, or MQTTnet's server in process when mosquitto is not installed (or when
/// SENSORODL_TEST_BROKER=inprocess asks for the fallback, to exercise it).
/// </summary>
public sealed class TestBroker : IAsyncLifetime
{
    readonly string _dir = Directory.CreateTempSubdirectory("sensorodl-broker-").FullName;
    Process? _mosquitto;
    MqttServer? _server;

    public int Port { get; } = LocalServers.FreePort();
    public bool IsMosquitto => _mosquitto is not null;



    public async Task InitializeAsync()
    {
        if (LocalServers.MosquittoPath is { } executable && Environment.GetEnvironmentVariable("SENSORODL_TEST_BROKER") != "inprocess")
        {
            string config = Path.Combine(_dir, "mosquitto.conf");
            // As root mosquitto would switch to the `mosquitto` user; keep ours.
            string user = Environment.UserName == "root" ? "user root\n" : "";
            File.WriteAllText(config, $"{user}listener {Port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\nlog_type error\n");
            var info = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(config);
            _mosquitto = Process.Start(info) ?? throw new InvalidOperationException("mosquitto did not start");
            _mosquitto.OutputDataReceived += (_, _) => { };
            _mosquitto.ErrorDataReceived += (_, _) => { };
            _mosquitto.BeginOutputReadLine();
            _mosquitto.BeginErrorReadLine();
        }
        else
        {
            var factory = new MqttServerFactory();
            _server = factory.CreateMqttServer(factory.CreateServerOptionsBuilder().WithDefaultEndpoint()
                .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback).WithDefaultEndpointPort(Port).WithPersistentSessions().Build());
            await _server.StartAsync();
        }
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (watch.Elapsed < TimeSpan.FromSeconds(10) && _mosquitto is not { HasExited: true })
            {
                await Task.Delay(20);
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_mosquitto is { } process)
        {
            if (!process.HasExited) process.Kill();
            await process.WaitForExitAsync();
            process.Dispose();
        }
        if (_server is not null)
        {
            await _server.StopAsync();
            _server.Dispose();
        }
        Directory.Delete(_dir, recursive: true);
    }
}
