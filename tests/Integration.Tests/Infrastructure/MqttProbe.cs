using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace SensorOdl.Integration.Tests.Infrastructure;

/// <summary>One message as a probe received it (copied out of MQTTnet's buffers).</summary>
public sealed record Received(string Topic, byte[] Payload, bool Retain, MqttQualityOfServiceLevel Qos, byte[]? CorrelationData,
    string? ContentType, DateTime At)
{
    public string Text => Encoding.UTF8.GetString(Payload);
    public JsonObject Json => JsonNode.Parse(Payload) as JsonObject ?? throw new InvalidOperationException($"{Topic}: not a JSON object: {Text}");
    public override string ToString() => $"{At:HH:mm:ss.fff} {Topic}{(Retain ? " [retained]" : "")} {(Payload.Length > 300 ? Text[..300] + "…" : Text)}";
}

/// <summary>
/// A test-side MQTT client: records everything it receives on its filters, waits for messages, and sends
/// commands either with an MQTT 5 response topic + correlation data or as plain publishes.
/// </summary>
public sealed class MqttProbe : IAsyncDisposable
{
    readonly IMqttClient _client;
    readonly MqttClientOptions _options;
    readonly List<Received> _received = [];
    readonly List<string> _filters = [];
    readonly Func<string> _diagnostics;

    MqttProbe(IMqttClient client, MqttClientOptions options, Func<string> diagnostics)
    {
        _client = client;
        _options = options;
        _diagnostics = diagnostics;
        ResponseTopic = $"it-responses/{Guid.NewGuid():N}";
        client.ApplicationMessageReceivedAsync += e =>
        {
            MqttApplicationMessage m = e.ApplicationMessage;
            var copy = new Received(m.Topic, m.Payload.ToArray(), m.Retain, m.QualityOfServiceLevel,
                m.CorrelationData is { Length: > 0 } c ? [.. c] : null, m.ContentType, DateTime.UtcNow);
            lock (_received) _received.Add(copy);
            return Task.CompletedTask;
        };
    }

    public string ResponseTopic { get; }
    public bool Connected => _client.IsConnected;

    public static async Task<MqttProbe> ConnectAsync(int port, Func<string> diagnostics, MqttProtocolVersion version = MqttProtocolVersion.V500,
        string? clientId = null, bool persistentSession = false, (string User, string Password)? login = null)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(clientId ?? $"it-probe-{Guid.NewGuid():N}")
            .WithProtocolVersion(version)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(30));
        if (login is { } l) builder.WithCredentials(l.User, l.Password);
        if (persistentSession)
        {
            builder.WithCleanSession(false);
            if (version == MqttProtocolVersion.V500) builder.WithSessionExpiryInterval(600);
        }
        var probe = new MqttProbe(client, builder.Build(), diagnostics);
        await client.ConnectAsync(probe._options);
        if (version == MqttProtocolVersion.V500) await probe.SubscribeAsync(probe.ResponseTopic);
        return probe;
    }

    public async Task SubscribeAsync(params string[] filters)
    {
        var builder = new MqttClientSubscribeOptionsBuilder();
        foreach (string f in filters) builder.WithTopicFilter(f, MqttQualityOfServiceLevel.AtLeastOnce);
        await _client.SubscribeAsync(builder.Build());
        lock (_filters) _filters.AddRange(filters);
    }

    /// <summary>After a broker restart: connect again (retrying while the broker comes up) and resubscribe.</summary>
    public async Task ReconnectAsync(TimeSpan timeout, bool resubscribe = true)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (_client.IsConnected) await _client.DisconnectAsync();
                await _client.ConnectAsync(_options);
                break;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
        if (resubscribe)
        {
            string[] filters;
            lock (_filters) filters = [.. _filters];
            var builder = new MqttClientSubscribeOptionsBuilder();
            foreach (string f in filters) builder.WithTopicFilter(f, MqttQualityOfServiceLevel.AtLeastOnce);
            await _client.SubscribeAsync(builder.Build());
        }
    }

    /// <summary>The number of messages received so far: a mark for "only what comes after this".</summary>
    public int Mark { get { lock (_received) return _received.Count; } }

    public IReadOnlyList<Received> All(int from = 0)
    {
        lock (_received) return [.. _received.Skip(from)];
    }

    public IReadOnlyList<Received> On(string topic, int from = 0) => [.. All(from).Where(m => m.Topic == topic)];

    public async Task<Received> WaitForAsync(Func<Received, bool> match, TimeSpan timeout, string what, int from = 0)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Received? found = All(from).FirstOrDefault(match);
            if (found is not null) return found;
            if (DateTime.UtcNow > deadline) throw Timeout(what, timeout);
            await Task.Delay(20);
        }
    }

    public async Task<IReadOnlyList<Received>> WaitForCountAsync(Func<Received, bool> match, int count, TimeSpan timeout, string what, int from = 0)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            List<Received> found = [.. All(from).Where(match)];
            if (found.Count >= count) return found;
            if (DateTime.UtcNow > deadline) throw Timeout($"{what} (got {found.Count} of {count})", timeout);
            await Task.Delay(20);
        }
    }

    Exception Timeout(string what, TimeSpan timeout)
    {
        string tail = string.Join("\n", All().TakeLast(40));
        return new TimeoutException($"Timed out after {timeout.TotalSeconds} s waiting for {what}.\n--- last messages seen by the probe ---\n{tail}\n{_diagnostics()}");
    }

    public Task PublishAsync(string topic, byte[] payload, bool retain = false, IEnumerable<(string Name, string Value)>? userProperties = null,
        string? responseTopic = null, byte[]? correlation = null)
    {
        var builder = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        foreach ((string name, string value) in userProperties ?? []) builder.WithUserProperty(name, Encoding.UTF8.GetBytes(value));
        if (responseTopic is not null) builder.WithResponseTopic(responseTopic);
        if (correlation is not null) builder.WithCorrelationData(correlation);
        return _client.PublishAsync(builder.Build());
    }

    public Task PublishAsync(string topic, string payload, bool retain = false) => PublishAsync(topic, Encoding.UTF8.GetBytes(payload), retain);

    /// <summary>
    /// Sends a command with this probe's MQTT 5 response topic and fresh correlation data; returns the reply that
    /// carries the same correlation data.
    /// </summary>
    public async Task<Received> RequestAsync(string commandTopic, byte[] payload, TimeSpan? timeout = null, IEnumerable<(string, string)>? userProperties = null)
    {
        byte[] correlation = Guid.NewGuid().ToByteArray();
        int mark = Mark;
        await PublishAsync(commandTopic, payload, userProperties: userProperties, responseTopic: ResponseTopic, correlation: correlation);
        return await WaitForAsync(m => m.Topic == ResponseTopic && m.CorrelationData is { } c && c.AsSpan().SequenceEqual(correlation),
            timeout ?? TimeSpan.FromSeconds(10), $"the reply to {Encoding.UTF8.GetString(payload[..Math.Min(payload.Length, 200)])} on {ResponseTopic}", mark);
    }

    public Task<Received> RequestAsync(string commandTopic, string payload, TimeSpan? timeout = null, IEnumerable<(string, string)>? userProperties = null) =>
        RequestAsync(commandTopic, Encoding.UTF8.GetBytes(payload), timeout, userProperties);

    /// <summary>Drops the TCP connection without DISCONNECT (or disconnects cleanly).</summary>
    public async Task DisconnectAsync()
    {
        if (_client.IsConnected) await _client.DisconnectAsync();
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
