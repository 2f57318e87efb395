using SensorOdl.TestSupport;
using System.Buffers;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SensorOdl.Daemon.Mqtt;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// The embedded broker accepts a client with an empty client id and assigns one, as MQTT allows (5.0 §3.1.3.1; 3.1.1
/// with a clean session) — `mosquitto_sub -t '#'` without `-i` used to get "identifier rejected". Real clients over TCP.
/// </summary>
public sealed class EmbeddedBrokerTests
{

    static IMqttClient Client() => new MqttClientFactory().CreateMqttClient();

    static MqttClientOptions Anonymous(int port, MqttProtocolVersion version, bool cleanSession = true) =>
        new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("")
            .WithProtocolVersion(version).WithCleanSession(cleanSession).WithTimeout(TimeSpan.FromSeconds(5)).Build();

    static async Task<(IMqttClient Client, MqttClientConnectResult Result)> Connect(int port, MqttProtocolVersion version)
    {
        IMqttClient client = Client();
        return (client, await client.ConnectAsync(Anonymous(port, version)));
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V311)]
    public async Task A_client_with_an_empty_id_is_accepted_and_can_subscribe_and_receive(MqttProtocolVersion version)
    {
        int port = LocalServers.FreePort();
        await using EmbeddedBroker broker = await EmbeddedBroker.StartUnlessListeningAsync(port, CancellationToken.None)
            ?? throw new InvalidOperationException($"port {port} is taken");
        (IMqttClient first, MqttClientConnectResult result) = await Connect(port, version);
        using var _ = first;
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        if (version == MqttProtocolVersion.V500) Assert.StartsWith("auto-", result.AssignedClientIdentifier);

        // A second anonymous client gets its own id: both stay connected (a shared id would take the first one over).
        (IMqttClient second, MqttClientConnectResult secondResult) = await Connect(port, version);
        using var __ = second;
        Assert.Equal(MqttClientConnectResultCode.Success, secondResult.ResultCode);

        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        first.ApplicationMessageReceivedAsync += e =>
        {
            received.TrySetResult(Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray()));
            return Task.CompletedTask;
        };
        await first.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("#", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await second.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("t/1").WithPayload("hello").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.Equal("hello", await received.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(first.IsConnected && second.IsConnected);
    }

    [Fact]
    public async Task An_empty_id_with_a_persistent_3_1_1_session_is_still_refused_as_the_protocol_requires()
    {
        int port = LocalServers.FreePort();
        await using EmbeddedBroker broker = await EmbeddedBroker.StartUnlessListeningAsync(port, CancellationToken.None)
            ?? throw new InvalidOperationException($"port {port} is taken");
        using IMqttClient client = Client();
        await Assert.ThrowsAsync<MQTTnet.Adapter.MqttConnectingFailedException>(() => client.ConnectAsync(Anonymous(port, MqttProtocolVersion.V311, cleanSession: false)));
        Assert.False(client.IsConnected);
    }
}
