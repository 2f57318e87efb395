using System.Net;
using System.Net.Sockets;
using System.Reflection;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Server;

namespace SensorOdl.Daemon.Mqtt;

/// <summary>The default broker of a bare machine: MQTTnet's server on 127.0.0.1:1883, started only when nothing listens there.</summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    readonly MqttServer _server;

    EmbeddedBroker(MqttServer server) => _server = server;

    /// <summary>Starts the embedded broker unless something already listens on the port; null when it does.</summary>
    public static async Task<EmbeddedBroker?> StartUnlessListeningAsync(int port, CancellationToken cancellation)
    {
        if (await IsListeningAsync(port, cancellation)) return null;
        var factory = new MqttServerFactory();
        MqttServerOptions options = factory.CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(port)
            .WithPersistentSessions()
            .Build();
        MqttServer server = factory.CreateMqttServer(options);
        server.ValidatingConnectionAsync += AssignEmptyClientId;
        await server.StartAsync();
        return new EmbeddedBroker(server);
    }

    /// <summary>
    /// MQTT lets a client connect with an empty client id (5.0 §3.1.3.1; 3.1.1 only with a clean session) and the server
    /// assigns one; MQTTnet refuses it unless told the id ("identifier rejected" for `mosquitto_sub` without `-i`).
    /// MQTT 5 takes the id through the API; for 3.1.1 MQTTnet 5.2 has none, so it goes into the CONNECT packet the event
    /// wraps (its private field: EmbeddedBrokerTests fails if a later MQTTnet moves it).
    /// </summary>
    static Task AssignEmptyClientId(ValidatingConnectionEventArgs e)
    {
        if (!string.IsNullOrEmpty(e.ClientId)) return Task.CompletedTask;
        string assigned = $"auto-{Guid.NewGuid():N}";
        if (e.ProtocolVersion == MqttProtocolVersion.V500) e.AssignedClientIdentifier = assigned;
        else if (e.CleanSession == true && ConnectPacketField?.GetValue(e) is MqttConnectPacket packet) packet.ClientId = assigned;
        return Task.CompletedTask;
    }

    static readonly FieldInfo? ConnectPacketField = typeof(ValidatingConnectionEventArgs).GetField("_connectPacket", BindingFlags.NonPublic | BindingFlags.Instance);

    public static async Task<bool> IsListeningAsync(int port, CancellationToken cancellation)
    {
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(TimeSpan.FromMilliseconds(500));
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellation.IsCancellationRequested)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync();
        _server.Dispose();
    }
}
