using System.Text.Json.Nodes;
using MQTTnet;
using MQTTnet.Formatter;
using SensorOdl.Integration.Tests.Infrastructure;
using static SensorOdl.Integration.Tests.Infrastructure.JsonAssert;

namespace SensorOdl.Integration.Tests;

/// <summary>
/// The MQTT-level guard (deploy/mosquitto/acl, docs/CONTRACT.md §3 Access control) on a real mosquitto with a password
/// file: only the device publishes its own state, only an operator commands it. A stranger — a valid account of
/// another device, or no account — neither commands the device nor gets an answer, nor spoofs its status.
/// </summary>
public sealed class AclTests : DaemonTest
{
    readonly string _device = $"itacl{Guid.NewGuid():N}"[..14]; // no '-': the discovery topics use the id as it is

    static readonly (string User, string Password) Operator = ("operator", "operator-pw"), Stranger = ("pump9", "pump9-pw");
    string DevicePassword => $"{_device}-pw";

    protected override string? BrokerSecurity(string brokerDir) => Broker.UseMosquitto
        ? BrokerAccounts.Security(brokerDir, new Dictionary<string, string>
        {
            [Operator.User] = Operator.Password, [Stranger.User] = Stranger.Password, [_device] = DevicePassword,
        })
        : null;

    [MosquittoFact]
    public async Task A_strangers_command_is_neither_executed_nor_answered_and_only_the_device_publishes_its_state()
    {
        string passwordFile = Path.Combine(Root, "device.password");
        await File.WriteAllTextAsync(passwordFile, DevicePassword + "\n");
        MqttProbe op = await ProbeAsync(MqttProtocolVersion.V500, Operator, $"{Prefix}/{_device}/#");
        DaemonProcess daemon = StartDaemon(_device, NewStateDir(_device), $"Mqtt:Username={_device}", $"Mqtt:PasswordFile={passwordFile}");
        await WaitMonitoringAsync(op, _device);

        // An anonymous client is not let in at all.
        IMqttClient anonymous = new MqttClientFactory().CreateMqttClient();
        bool refused;
        try
        {
            MqttClientConnectResult result = await anonymous.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", Broker.Port)
                .WithProtocolVersion(MqttProtocolVersion.V500).Build());
            refused = result.ResultCode != MqttClientConnectResultCode.Success;
        }
        catch (Exception) { refused = true; }
        Check(refused, "an anonymous client was let in");
        anonymous.Dispose();

        // Another device's account: a pause to this device and to all, with a response topic, and a spoofed retained status.
        int mark = op.Mark;
        MqttProbe stranger = await ProbeAsync(MqttProtocolVersion.V500, Stranger);
        await stranger.PublishAsync(Topic(_device, "cmd"), System.Text.Encoding.UTF8.GetBytes(Command("stranger-1", "pause")), responseTopic: stranger.ResponseTopic);
        await stranger.PublishAsync($"{Prefix}/all/cmd", System.Text.Encoding.UTF8.GetBytes(Command("stranger-2", "pause")), responseTopic: stranger.ResponseTopic);
        await stranger.PublishAsync(Topic(_device, "status"), """{"state":"paused","spoofed":true}""", retain: true);

        // The operator's own command after them: handled in order, so had the stranger's gone through it would show.
        Received reply = await op.RequestAsync(Topic(_device, "cmd"), Command("operator-1", "status"));
        Check(Bool(reply.Json, "ok") && Str(Obj(reply.Json, "result"), "state") == "monitoring", $"the device was paused by a stranger: {reply.Text}");
        await op.WaitForAsync(m => m.Topic == Topic(_device, "status"), TimeSpan.FromSeconds(15), "a status the device published itself", mark);
        Check(op.All(mark).All(m => !m.Text.Contains("spoofed") && !m.Text.Contains("stranger-")),
            "the operator saw the stranger's status, a reply or an event about its commands: " + string.Join("\n", op.All(mark).Where(m => m.Text.Contains("stranger") || m.Text.Contains("spoofed"))));
        Check(Events(op, _device, mark).All(e => Str(e, "type") != "command_rejected"), "the stranger's commands reached the daemon (command_rejected)");
        Check(stranger.On(stranger.ResponseTopic).Count == 0, "the stranger got an answer");
        MqttProbe late = await ProbeAsync(MqttProtocolVersion.V500, Operator, Topic(_device, "status"));
        Received retained = await late.WaitForAsync(m => m.Topic == Topic(_device, "status") && m.Retain, TimeSpan.FromSeconds(10), "the retained status");
        Check(!retained.Text.Contains("spoofed"), $"the retained status is the stranger's: {retained.Text}");
        Check(!daemon.HasExited, daemon.Describe());
    }
}
