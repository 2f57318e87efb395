using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using SensorOdl.Daemon.Configuration;

namespace SensorOdl.Daemon.Mqtt;

/// <summary>
/// The broker connection: a supervisor that connects, watches the link with pings and reconnects with
/// jittered exponential back-off (MQTTnet 5 has no managed client). The will is `offline` on the
/// availability topic, retained, without delay. Received messages are handed to <see cref="Received"/> (the
/// <see cref="CommandInbox"/>), which only admits or counts them, so that a slow consumer never stalls the receive loop.
/// </summary>
public sealed class MqttLink : IAsyncDisposable
{
    readonly IMqttClient _client;
    readonly string _host;
    readonly int _port;
    readonly bool _tls;
    volatile MqttClientOptions _options;
    volatile bool _reconnect;
    readonly Topics _topics;
    readonly ILogger _log;
    readonly SemaphoreSlim _publishGate = new(1, 1);

    public MqttLink(MqttSettings settings, Topics topics, string host, int port, bool tls, ILogger log)
    {
        _topics = topics;
        _log = log;
        _host = host;
        _port = port;
        _tls = tls;
        _client = new MqttClientFactory().CreateMqttClient();
        _options = BuildOptions(settings);
        _client.ApplicationMessageReceivedAsync += e =>
        {
            try { Received?.Invoke(e.ApplicationMessage); }
            catch (Exception error) { _log.LogError(error, "A received message could not be taken in."); }
            return Task.CompletedTask;
        };
    }

    /// <summary>The connect options with the secrets read now: password file, CA, client certificate and key.</summary>
    MqttClientOptions BuildOptions(MqttSettings settings)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_host, _port)
            .WithClientId($"sensorodl-{_topics.Device}")
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithCleanStart(false)
            .WithSessionExpiryInterval(3600) // commands sent while we are away wait in the broker
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15))
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithWillTopic(_topics.Availability)
            .WithWillPayload("offline")
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (!string.IsNullOrEmpty(settings.Username))
        {
            string password = settings.PasswordFile is { Length: > 0 } file ? File.ReadAllText(file).Trim() : "";
            builder.WithCredentials(settings.Username, password);
        }
        if (_tls) builder.WithTlsOptions(o => ConfigureTls(o, settings));
        return builder.Build();
    }

    /// <summary>
    /// Reads the secrets again (a rotated password, client certificate or CA) and reconnects with them: the running
    /// connection is closed cleanly (no will, so `online` stays) and the supervisor connects again at once. Throws, and
    /// keeps the current options, when a file cannot be read or parsed.
    /// </summary>
    public void Reload(MqttSettings settings)
    {
        _options = BuildOptions(settings);
        _reconnect = true;
    }

    public bool Connected => _client.IsConnected;
    /// <summary>Every received message, on MQTTnet's receive loop (so: quick, copy what is kept).</summary>
    public Action<MqttApplicationMessage>? Received { get; set; }
    /// <summary>
    /// Runs after every (re)connect: republish retained topics and discovery, flush the queue. Throwing (a retained
    /// message did not get there) makes the link retry it after the back-off.
    /// </summary>
    public Func<CancellationToken, Task>? OnConnected { get; set; }

    /// <summary>Also used by `sensorodl fleet`, so that the operator tool trusts brokers exactly as the daemon does.</summary>
    internal static void ConfigureTls(MqttClientTlsOptionsBuilder tls, MqttSettings settings)
    {
        tls.UseTls();
        if (settings.CaFile is { Length: > 0 } caFile)
        {
            X509Certificate2Collection authorities = [];
            authorities.ImportFromPemFile(caFile);
            tls.WithCertificateValidationHandler(e =>
            {
                if (e.Certificate is null) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                bool nameOk = (e.SslPolicyErrors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0;
                return nameOk && chain.Build(new X509Certificate2(e.Certificate));
            });
        }
        if (settings.ClientCertFile is { Length: > 0 } certFile)
        {
            X509Certificate2 certificate = X509Certificate2.CreateFromPemFile(certFile, settings.ClientKeyFile is { Length: > 0 } key ? key : null);
            tls.WithClientCertificates([certificate]);
        }
    }

    /// <summary>First wait after a failed attempt; it doubles per failure up to <see cref="MaxRetryDelay"/>.</summary>
    public static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The back-off's cap. A restarted broker is found at most this (plus 100 ms) after it listens again, so that
    /// its retained state is back within 5 s (docs/RELIABILITY.md §5); with full jitter a fleet still spreads its
    /// reconnects over the whole 2 s instead of arriving in step.
    /// </summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often the supervisor pings a connection that looks up. A broker that closes the socket (a restart, a kill)
    /// is seen at the next one-second round without a ping; the ping is for a link that died without a word (a
    /// pulled cable, a half-open TCP connection), found within this period. Pinging every round made half of all
    /// packets a broker receives from a fleet (docs/FLEET.md, "Scale").
    /// </summary>
    public static readonly TimeSpan PingPeriod = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Keeps the connection up until cancelled. A connection counts as ready only once it is subscribed and
    /// <see cref="OnConnected"/> (the retained topics) went through; until then every round retries what is missing,
    /// on the same connection if it is still up — a failed subscribe or republish is never left for the next outage.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellation)
    {
        TimeSpan delay = FirstRetryDelay;
        bool ready = false;
        long lastPing = Environment.TickCount64;
        while (!cancellation.IsCancellationRequested)
        {
            try
            {
                if (_reconnect)
                {
                    _reconnect = false;
                    if (_client.IsConnected)
                    {
                        _log.LogInformation("Reconnecting to the MQTT broker with the reloaded secrets.");
                        await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), cancellation);
                    }
                }
                bool pingDue = Environment.TickCount64 - lastPing >= PingPeriod.TotalMilliseconds;
                if (pingDue) lastPing = Environment.TickCount64;
                if (!_client.IsConnected || (pingDue && !await _client.TryPingAsync(cancellation)))
                {
                    ready = false;
                    MqttClientConnectResult result = await _client.ConnectAsync(_options, cancellation);
                    if (result.ResultCode != MqttClientConnectResultCode.Success)
                        throw new InvalidOperationException($"broker refused the connection: {result.ResultCode} {result.ReasonString}");
                    _log.LogInformation("Connected to the MQTT broker.");
                }
                if (!ready)
                {
                    await SubscribeAsync(cancellation);
                    if (OnConnected is { } connected) await connected(cancellation);
                    ready = true;
                    delay = FirstRetryDelay;
                }
                await Task.Delay(TimeSpan.FromSeconds(1), cancellation);
            }
            catch (Exception e) when (!cancellation.IsCancellationRequested)
            {
                _log.LogWarning("MQTT: {Message}; retrying in {Delay:F1} s.", Describe(e), delay.TotalSeconds);
                // Full jitter, so a fleet that lost the broker together does not come back in step.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * delay.TotalMilliseconds + 100), cancellation).ContinueWith(_ => { });
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, MaxRetryDelay.TotalMilliseconds));
            }
            catch (Exception) when (cancellation.IsCancellationRequested)
            {
                // Stopping: a connect or ping that raced the shutdown (MQTTnet throws "not allowed to connect …
                // after the connection is established" when StopAsync disconnects under it) ends the loop quietly.
                return;
            }
        }
    }

    /// <summary>MQTTnet wraps the cause (refused, TLS, authentication) in "Error while connecting": show both.</summary>
    static string Describe(Exception e)
    {
        Exception inner = e;
        while (inner.InnerException is not null) inner = inner.InnerException;
        return ReferenceEquals(inner, e) ? e.Message : $"{e.Message.TrimEnd('.')} ({inner.Message.TrimEnd('.')})";
    }

    async Task SubscribeAsync(CancellationToken cancellation)
    {
        await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(_topics.Command, MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(_topics.FleetCommand, MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(Topics.HomeAssistantStatus, MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), cancellation);
    }

    /// <summary>Publishes one message; false when not connected or the broker did not take it.</summary>
    public async Task<bool> PublishAsync(MqttApplicationMessage message, CancellationToken cancellation) =>
        await DeliverAsync(message, cancellation) == Delivery.Accepted;

    /// <summary>Publishes one message and says whether the broker took it, refused it (it never will), or it did not get there.</summary>
    public async Task<Delivery> DeliverAsync(MqttApplicationMessage message, CancellationToken cancellation)
    {
        if (!_client.IsConnected) return Delivery.NotSent;
        await _publishGate.WaitAsync(cancellation);
        try
        {
            MqttClientPublishResult result = await _client.PublishAsync(message, cancellation);
            if (result.IsSuccess || result.ReasonCode == MqttClientPublishReasonCode.NoMatchingSubscribers) return Delivery.Accepted;
            _log.LogDebug("MQTT publish to {Topic} refused: {Code} {Reason}", message.Topic, result.ReasonCode, result.ReasonString);
            return Delivery.Refused;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            _log.LogDebug("MQTT publish failed: {Message}", e.Message);
            return Delivery.NotSent;
        }
        finally
        {
            _publishGate.Release();
        }
    }

    /// <summary>Says `offline` and leaves cleanly (no will).</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (!_client.IsConnected) return;
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await PublishAsync(Messages.Retained(_topics.Availability, "offline"), cancellation.Token);
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), cancellation.Token);
        }
        catch (Exception e) { _log.LogDebug("MQTT disconnect: {Message}", e.Message); }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        _publishGate.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>What became of one publish.</summary>
public enum Delivery
{
    Accepted,
    /// <summary>The broker answered with an error reason code (not authorised, too large, bad topic …): it will not take this message.</summary>
    Refused,
    /// <summary>Not connected, or the connection failed under it: try again later.</summary>
    NotSent,
}

/// <summary>Message shapes: retained QoS 1 state, QoS 1 events and replies, QoS 0 telemetry.</summary>
public static class Messages
{
    public static MqttApplicationMessage Retained(string topic, string payload) => new MqttApplicationMessageBuilder()
        .WithTopic(topic).WithPayload(payload).WithRetainFlag().WithContentType(payload.StartsWith('{') ? "application/json" : "text/plain")
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();

    public static MqttApplicationMessage Event(string topic, string payload, byte[]? correlationData = null)
    {
        var builder = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithContentType("application/json")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (correlationData is { Length: > 0 }) builder.WithCorrelationData(correlationData);
        return builder.Build();
    }

    public static MqttApplicationMessage Telemetry(string topic, string payload) => new MqttApplicationMessageBuilder()
        .WithTopic(topic).WithPayload(payload).WithContentType("application/json")
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce).Build();
}
