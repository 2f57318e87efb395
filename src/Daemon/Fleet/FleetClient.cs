using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Protocol;
using SensorOdl.Daemon.Mqtt;

namespace SensorOdl.Daemon.Fleet;

/// <summary>One message as the fleet tool received it (copied out of MQTTnet's buffers).</summary>
public sealed record FleetMessage(string Topic, byte[] Payload, bool Retain)
{
    public string Text => Encoding.UTF8.GetString(Payload);

    /// <summary>The payload as a JSON object, or null when it is not one (a device's payloads always are; anyone may publish).</summary>
    public JsonObject? Json
    {
        get
        {
            try { return JsonNode.Parse(Payload) as JsonObject; }
            catch (JsonException) { return null; }
        }
    }
}

/// <summary>
/// The fleet tool's broker connection: MQTT 5, a clean session of its own (client id `sensorodl-fleet-…`), the daemon's
/// credentials and TLS rules, every received message in arrival order, and commands signed when a key is set.
/// </summary>
public sealed class FleetClient : IAsyncDisposable
{
    static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    readonly IMqttClient _client;
    readonly Channel<FleetMessage> _inbound = Channel.CreateUnbounded<FleetMessage>(new UnboundedChannelOptions { SingleReader = true });
    readonly byte[]? _key;
    readonly TimeSpan _requestTimeout;
    volatile bool _closing;
    string? _lost;

    FleetClient(IMqttClient client, FleetTopics topics, byte[]? key, TimeSpan requestTimeout)
    {
        _client = client;
        Topics = topics;
        _key = key;
        _requestTimeout = requestTimeout;
        client.ApplicationMessageReceivedAsync += e =>
        {
            MqttApplicationMessage m = e.ApplicationMessage;
            _inbound.Writer.TryWrite(new FleetMessage(m.Topic, m.Payload.ToArray(), m.Retain));
            return Task.CompletedTask;
        };
        client.DisconnectedAsync += e =>
        {
            if (!_closing)
            {
                _lost = $"lost the connection to the broker ({e.Reason}{(e.Exception is null ? "" : ": " + Innermost(e.Exception).Message.TrimEnd('.'))})";
                _inbound.Writer.TryComplete();
            }
            return Task.CompletedTask;
        };
    }

    public FleetTopics Topics { get; }

    /// <summary>The socket buffers of the tool's connection (see <see cref="ConnectAsync"/>).</summary>
    public const int ReceiveBufferBytes = 1 << 20;

    /// <summary>Connects and subscribes to the session's own reply topics; a broker that cannot be reached is a <see cref="FleetException"/>.</summary>
    public static async Task<FleetClient> ConnectAsync(FleetEndpoint endpoint, CancellationToken cancellation)
    {
        (string host, int port, bool tls) = endpoint.Address();
        string session = Guid.NewGuid().ToString("N")[..12];
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId($"sensorodl-fleet-{session}")
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithCleanStart(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15))
            .WithTimeout(ConnectTimeout);
        if (!string.IsNullOrEmpty(endpoint.Mqtt.Username))
        {
            string password = endpoint.Mqtt.PasswordFile is { Length: > 0 } file ? File.ReadAllText(file).Trim() : "";
            builder.WithCredentials(endpoint.Mqtt.Username, password);
        }
        if (tls) builder.WithTlsOptions(o => MqttLink.ConfigureTls(o, endpoint.Mqtt));
        IMqttClient mqtt = new MqttClientFactory().CreateMqttClient();
        var client = new FleetClient(mqtt, new FleetTopics(endpoint.Prefix, session), endpoint.CommandKey, endpoint.RequestTimeout);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timeout.CancelAfter(ConnectTimeout);
            MqttClientOptions options = builder.Build();
            // MQTTnet's default socket buffers (8 kB) gave a ≈ 6.6 kB receive window: watching 200 devices under load, the
            // tool read ≈ 33 kB/s, the broker queued megabytes for it, and the acks of its own requests waited behind them
            // for ever (docs/FLEET.md, "Scale"). A large window lets each read take what has arrived.
            if (options.ChannelOptions is MqttClientTcpOptions tcp) tcp.BufferSize = ReceiveBufferBytes;
            MqttClientConnectResult result = await mqtt.ConnectAsync(options, timeout.Token);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
                throw new FleetException($"the broker at {endpoint.Uri} refused the connection: {result.ResultCode}{(string.IsNullOrEmpty(result.ReasonString) ? "" : " " + result.ReasonString)}");
            await client.SubscribeAsync([client.Topics.Private], cancellation);
            return client;
        }
        catch (MQTTnet.Adapter.MqttConnectingFailedException e) when (!cancellation.IsCancellationRequested)
        {
            await client.DisposeAsync();
            throw new FleetException($"the broker at {endpoint.Uri} refused the connection ({Innermost(e).Message.TrimEnd('.')}).");
        }
        catch (Exception e) when (e is not FleetException && !cancellation.IsCancellationRequested)
        {
            await client.DisposeAsync();
            string reason = e is OperationCanceledException ? $"no answer within {ConnectTimeout.TotalSeconds:0} s" : Innermost(e).Message.TrimEnd('.');
            throw new FleetException($"cannot reach the broker at {endpoint.Uri} ({reason}).");
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    public async Task SubscribeAsync(IEnumerable<string> filters, CancellationToken cancellation)
    {
        // Many devices: several SUBSCRIBE packets of at most 100 filters each.
        foreach (string[] chunk in filters.Distinct().Chunk(100))
        {
            var builder = new MqttClientSubscribeOptionsBuilder();
            foreach (string filter in chunk) builder.WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce);
            await AcknowledgedAsync(token => _client.SubscribeAsync(builder.Build(), token), "a subscription", cancellation);
        }
    }

    /// <summary>
    /// One request the broker must acknowledge (SUBACK, PUBACK). A broker that keeps the connection but never answers
    /// would otherwise hold the tool until Ctrl-C; after <see cref="FleetEndpoint.RequestTimeout"/> it is a
    /// <see cref="FleetException"/> (exit 1, one line). Ctrl-C while the broker's answer is awaited is an
    /// <see cref="OperationCanceledException"/> like everywhere else: MQTTnet reports a cancelled wait for an
    /// acknowledgement as <see cref="MQTTnet.Exceptions.MqttCommunicationTimedOutException"/>, which a rollout would not
    /// take for Ctrl-C and so would not record as paused.
    /// </summary>
    async Task<T> AcknowledgedAsync<T>(Func<CancellationToken, Task<T>> request, string what, CancellationToken cancellation)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(_requestTimeout);
        try
        {
            return await request(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or MQTTnet.Exceptions.MqttCommunicationTimedOutException)
        {
            cancellation.ThrowIfCancellationRequested();
            throw new FleetException($"the broker did not acknowledge {what} within {_requestTimeout.TotalSeconds:0.#} s.");
        }
    }

    /// <summary>
    /// Sends a command (docs/CONTRACT.md §3) with this session's response topic and the given correlation data, signed
    /// (user property `sig`) when a command key is set.
    /// </summary>
    public async Task SendAsync(string topic, FleetCommand command, byte[] correlation, CancellationToken cancellation)
    {
        byte[] payload = command.ToBytes();
        var builder = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithContentType("application/json")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithResponseTopic(Topics.Reply).WithCorrelationData(correlation);
        if (_key is not null) builder.WithUserProperty(CommandSignature.Property, Encoding.ASCII.GetBytes(CommandSignature.Sign(_key, payload)));
        await AcknowledgedAsync(token => _client.PublishAsync(builder.Build(), token), $"the command on {topic}", cancellation);
    }

    /// <summary>A retained QoS 1 message (a rollout's state, docs/CONTRACT.md §3 Fleet rollouts); an empty payload clears it.</summary>
    public async Task PublishRetainedAsync(string topic, byte[] payload, CancellationToken cancellation)
    {
        MqttClientPublishResult result = await AcknowledgedAsync(token => _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithContentType("application/json").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag(true).Build(), token), topic, cancellation);
        if (!result.IsSuccess) // e.g. an ACL without write access to {p}/fleet/#: the state would silently not be kept
            throw new FleetException($"the broker did not accept {topic} ({result.ReasonCode}{(string.IsNullOrEmpty(result.ReasonString) ? "" : ": " + result.ReasonString)}); this user needs write access to {Topics.Prefix}/fleet/#.");
    }

    /// <summary>The next message, or null when none came within <paramref name="wait"/>; a lost connection is a <see cref="FleetException"/>.</summary>
    public async Task<FleetMessage?> NextAsync(TimeSpan wait, CancellationToken cancellation)
    {
        if (_inbound.Reader.TryRead(out FleetMessage? message)) return message;
        if (wait <= TimeSpan.Zero) return ThrowIfLost();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(wait);
        try
        {
            if (await _inbound.Reader.WaitToReadAsync(timeout.Token) && _inbound.Reader.TryRead(out message)) return message;
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return null;
        }
        return ThrowIfLost();
    }

    FleetMessage? ThrowIfLost() => _lost is { } lost ? throw new FleetException($"{lost}.") : null;

    /// <summary>
    /// Hands every message to <paramref name="handle"/> until the broker has delivered what it holds for the current
    /// subscriptions: a marker published to this session's own topic comes back after the retained messages the broker
    /// queued for us before it (or after <paramref name="limit"/>, should an ACL not let it through).
    /// </summary>
    public async Task SyncAsync(Action<FleetMessage> handle, TimeSpan limit, CancellationToken cancellation)
    {
        string marker = Guid.NewGuid().ToString("N");
        await AcknowledgedAsync(token => _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Topics.Sync).WithPayload(marker)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), token), "the sync marker", cancellation);
        DateTime deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            FleetMessage? message = await NextAsync(deadline - DateTime.UtcNow, cancellation);
            if (message is null) return;
            if (message.Topic == Topics.Sync)
            {
                if (message.Text == marker) return;
                continue;
            }
            handle(message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _closing = true;
        try
        {
            if (_client.IsConnected) await _client.DisconnectAsync();
        }
        catch (Exception) { /* leaving anyway */ }
        _client.Dispose();
    }
}
