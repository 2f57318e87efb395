using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Fleet;

namespace SensorOdl.Daemon.Tests.Fleet;

/// <summary>A broker that accepts the connection and then never acknowledges anything must not hold the fleet tool for ever.</summary>
public class FleetClientTimeoutTests
{
    [Fact]
    public async Task A_broker_that_never_acknowledges_a_subscription_is_a_fleet_error_after_the_request_timeout()
    {
        (TcpListener listener, FleetEndpoint endpoint, Task broker) = SilentBroker(TimeSpan.FromSeconds(1));
        using var _ = listener;
        var watch = Stopwatch.StartNew();
        FleetException error = await Assert.ThrowsAsync<FleetException>(() => FleetClient.ConnectAsync(endpoint, CancellationToken.None));

        Assert.Equal("the broker did not acknowledge a subscription within 1 s.", error.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
        listener.Stop();
        await broker.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Ctrl_c_while_an_acknowledgement_is_awaited_is_a_cancellation_not_a_broker_error()
    {
        // MQTTnet fails a cancelled wait for SUBACK/PUBACK with MqttCommunicationTimedOutException; a rollout must see
        // Ctrl-C as a cancellation to record itself paused.
        (TcpListener listener, FleetEndpoint endpoint, Task broker) = SilentBroker(TimeSpan.FromSeconds(30));
        using var _ = listener;
        using var ctrlC = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var watch = Stopwatch.StartNew();
        Exception error = await Assert.ThrowsAnyAsync<Exception>(() => FleetClient.ConnectAsync(endpoint, ctrlC.Token));

        Assert.True(error is OperationCanceledException, $"expected a cancellation, got {error.GetType().Name}: {error.Message}");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
        listener.Stop();
        await broker.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>A listener on a free port that answers the CONNECT and then nothing, and an endpoint for it with this request timeout.</summary>
    static (TcpListener Listener, FleetEndpoint Endpoint, Task Broker) SilentBroker(TimeSpan requestTimeout)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var endpoint = new FleetEndpoint(new MqttSettings { Uri = $"mqtt://127.0.0.1:{port}" }, null) { RequestTimeout = requestTimeout };
        return (listener, endpoint, AnswerConnectThenStaySilentAsync(listener));
    }

    /// <summary>Reads the CONNECT, answers an MQTT 5 CONNACK (success, no properties), then reads and never writes.</summary>
    static async Task AnswerConnectThenStaySilentAsync(TcpListener listener)
    {
        using TcpClient client = await listener.AcceptTcpClientAsync();
        NetworkStream stream = client.GetStream();
        var buffer = new byte[4096];
        bool answered = false;
        try
        {
            while (await stream.ReadAsync(buffer) is int read && read > 0)
            {
                if (answered || buffer[0] >> 4 != 1) continue; // 1 = CONNECT
                await stream.WriteAsync(new byte[] { 0x20, 0x03, 0x00, 0x00, 0x00 });
                answered = true;
            }
        }
        catch (IOException) { } // the client gave up and closed
    }
}
