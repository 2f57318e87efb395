using System.Security.Cryptography;
using System.Text;
using MQTTnet.Formatter;
using SensorOdl.Integration.Tests.Infrastructure;
using static SensorOdl.Integration.Tests.Infrastructure.JsonAssert;

namespace SensorOdl.Integration.Tests;

/// <summary>
/// Secrets rotated without a restart (docs/RELIABILITY.md §3), on a mosquitto with a password file: the daemon's password
/// file and command key change and it gets SIGHUP — it drops its working connection and reconnects with the new password
/// (refused until the broker is given it, then in), and takes commands signed with the new key and, inside the overlap,
/// the old one. A key changed without a signal is found by the poll; then only the key just before it still passes.
/// </summary>
public sealed class SecretsReloadTests : DaemonTest
{
    readonly string _device = $"itrot{Guid.NewGuid():N}"[..14];
    readonly string _oldPassword = $"pw1-{Guid.NewGuid():N}", _newPassword = $"pw2-{Guid.NewGuid():N}";
    readonly string _key1 = $"key1-{Guid.NewGuid():N}", _key2 = $"key2-{Guid.NewGuid():N}", _key3 = $"key3-{Guid.NewGuid():N}";
    static readonly (string, string) Operator = ("operator", "operator-pw");
    const string Connected = "Connected to the MQTT broker.";

    string BrokerDir => Path.Combine(Root, "broker");

    protected override string? BrokerSecurity(string brokerDir) => Broker.UseMosquitto ? Accounts(brokerDir, _oldPassword) : null;

    string Accounts(string brokerDir, string devicePassword) =>
        BrokerAccounts.Security(brokerDir, new Dictionary<string, string> { ["operator"] = "operator-pw", [_device] = devicePassword });

    string Secret(string name, string content)
    {
        string path = Path.Combine(Root, name);
        File.WriteAllText(path, content + "\n");
        return path;
    }

    [MosquittoFact]
    public async Task A_sighup_reconnects_with_the_new_password_and_a_rotated_key_keeps_the_old_one_for_the_overlap()
    {
        string passwordFile = Secret("mqtt.password", _oldPassword), keyFile = Secret("command.key", _key1);
        MqttProbe op = await ProbeAsync(MqttProtocolVersion.V500, Operator, $"{Prefix}/#");
        DaemonProcess daemon = StartDaemon(_device, NewStateDir(_device), $"Mqtt:Username={_device}", $"Mqtt:PasswordFile={passwordFile}",
            $"Security:CommandKeyFile={keyFile}", "Security:KeyOverlapMinutes=60");
        await WaitMonitoringAsync(op, _device);
        await ExpectAsync(op, _key1, ok: true, "the first key");

        // Rotation, device first: after SIGHUP it leaves a connection that works and tries the new password, which the
        // broker does not know yet (refused, retrying); once the broker has it too, the daemon gets in.
        int mark = op.Mark;
        File.WriteAllText(passwordFile, _newPassword + "\n");
        File.WriteAllText(keyFile, _key2 + "\n");
        daemon.Hangup();
        await EventuallyAsync(() => OutputLines(daemon, RetryLogLine) >= 1, 30, "the daemon reconnecting with the new password, refused");
        Check(OutputLines(daemon, "Reconnecting to the MQTT broker with the reloaded secrets.") == 1, daemon.Describe());
        Check(OutputLines(daemon, Connected) == 1, daemon.Describe());
        Accounts(BrokerDir, _newPassword);
        Broker.ReloadConfiguration();
        await EventuallyAsync(() => OutputLines(daemon, Connected) >= 2, 30, "the daemon connecting with the new password");
        Received reloaded = await WaitEventAsync(op, _device, e => Str(e, "type") == "secrets_reloaded", "secrets_reloaded after SIGHUP", mark, 30);
        Check(reloaded.Text.Contains("\"mqttPassword\"") && reloaded.Text.Contains("\"commandKey\""), reloaded.Text);
        await ExpectAsync(op, _key2, ok: true, "the new key");
        await ExpectAsync(op, _key1, ok: true, "the old key inside the overlap");

        // A key changed without a signal: the poll finds it; the key before it passes, the one before that no longer.
        mark = op.Mark;
        File.WriteAllText(keyFile, _key3 + "\n");
        Received polled = await WaitEventAsync(op, _device, e => Str(e, "type") == "secrets_reloaded", "secrets_reloaded after a file change", mark, 30);
        Check(polled.Text.Contains("\"commandKey\"") && !polled.Text.Contains("mqttPassword"), polled.Text);
        await ExpectAsync(op, _key3, ok: true, "the third key");
        await ExpectAsync(op, _key2, ok: true, "the second key inside its overlap");
        await ExpectAsync(op, _key1, ok: false, "the first key after a second rotation");
        Check(OutputLines(daemon, Connected) == 2, "a key change alone must not reconnect\n" + daemon.Describe());

        foreach (string secret in new[] { _oldPassword, _newPassword, _key1, _key2, _key3 })
        {
            Check(!daemon.Output.Contains(secret, StringComparison.Ordinal), "a secret appears in the daemon's output");
            Check(op.All().All(m => !Encoding.UTF8.GetString(m.Payload).Contains(secret, StringComparison.Ordinal)), "a secret appears in a message");
        }
    }

    async Task ExpectAsync(MqttProbe op, string key, bool ok, string what)
    {
        byte[] payload = Encoding.UTF8.GetBytes(Command($"rot-{Guid.NewGuid():N}"[..16], "status"));
        Received reply = await op.RequestAsync(Topic(_device, "cmd"), payload,
            userProperties: [("sig", Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), payload)))]);
        Check(Bool(reply.Json, "ok") == ok && (ok || Str(Obj(reply.Json, "error"), "code") == "unauthorized"), $"{what}: {reply.Text}");
    }
}
