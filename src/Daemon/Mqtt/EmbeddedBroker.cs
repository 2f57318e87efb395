using System.Net;
using System.Net.Sockets;
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
        await server.StartAsync();
        return new EmbeddedBroker(server);
    }

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
