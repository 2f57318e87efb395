using System.Security.Cryptography;
using System.Text;
using MQTTnet.Formatter;
using SensorOdl.Integration.Tests.Infrastructure;
using static SensorOdl.Integration.Tests.Infrastructure.JsonAssert;

namespace SensorOdl.Integration.Tests;

/// <summary>
/// No secret — the MQTT password, the command key, a TLS key's contents — appears in the daemon's output, in anything
/// it publishes, or in its state files: with the secrets right, with a wrong password (refused, retrying), and with a
/// TLS key it cannot use (it stops).
/// </summary>
public sealed class SecretsTests : DaemonTest
{
    readonly string _device = $"itsec{Guid.NewGuid():N}"[..14];
    readonly string _password = $"pw-{Guid.NewGuid():N}", _wrongPassword = $"wrongpw-{Guid.NewGuid():N}", _key = $"key-{Guid.NewGuid():N}";
    readonly string _tlsKeyBody = Convert.ToBase64String(Encoding.ASCII.GetBytes($"tls-key-{Guid.NewGuid():N}-material-that-is-not-a-key"));
    static readonly (string, string) Operator = ("operator", "operator-pw");

    protected override string? BrokerSecurity(string brokerDir) => Broker.UseMosquitto
        ? BrokerAccounts.Security(brokerDir, new Dictionary<string, string> { ["operator"] = "operator-pw", [_device] = _password })
        : null;

    string Secret(string name, string content)
    {
        string path = Path.Combine(Root, name);
        File.WriteAllText(path, content + "\n");
        return path;
    }

    [MosquittoFact]
    public async Task Secrets_never_appear_in_output_messages_or_state()
    {
        string passwordFile = Secret("mqtt.password", _password), keyFile = Secret("command.key", _key);
        MqttProbe op = await ProbeAsync(MqttProtocolVersion.V500, Operator, $"{Prefix}/#", "homeassistant/#");
        List<DaemonProcess> daemons = [];

        // 1. Everything right: signed, unsigned and wrongly signed commands, a status.
        string state = NewStateDir(_device);
        DaemonProcess good = StartDaemon(_device, state, $"Mqtt:Username={_device}", $"Mqtt:PasswordFile={passwordFile}", $"Security:CommandKeyFile={keyFile}");
        daemons.Add(good);
        await WaitMonitoringAsync(op, _device);
        byte[] signedStatus = Encoding.UTF8.GetBytes(Command("sec-1", "status"));
        Received ok = await op.RequestAsync(Topic(_device, "cmd"), signedStatus, userProperties: [("sig", Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(_key), signedStatus)))]);
        Check(Bool(ok.Json, "ok"), ok.Text);
        Received bad = await op.RequestAsync(Topic(_device, "cmd"), Command("sec-2", "pause"), userProperties: [("sig", new string('0', 64))]);
        Check(Str(Obj(bad.Json, "error"), "code") == "unauthorized", bad.Text);
        Received unsigned = await op.RequestAsync(Topic(_device, "cmd"), Command("sec-3", "status"));
        Check(Str(Obj(unsigned.Json, "error"), "code") == "unauthorized", unsigned.Text);
        good.Terminate();
        Check(await good.WaitForExitAsync(TimeSpan.FromSeconds(20)) == 0, "the daemon did not stop cleanly");

        // 2. A wrong password: the broker refuses, the daemon says so and retries.
        string wrongFile = Secret("wrong.password", _wrongPassword);
        DaemonProcess refused = StartDaemon(_device, NewStateDir(_device + "b"), $"Mqtt:Username={_device}", $"Mqtt:PasswordFile={wrongFile}");
        daemons.Add(refused);
        await EventuallyAsync(() => OutputLines(refused, RetryLogLine) >= 2, 60, "the refused daemon retrying twice");
        await refused.KillAsync();

        // 3. A TLS client key it cannot use: it stops, and says why.
        string pem = $"-----BEGIN PRIVATE KEY-----\n{_tlsKeyBody}\n-----END PRIVATE KEY-----";
        string certFile = Secret("client.crt", pem.Replace("PRIVATE KEY", "CERTIFICATE")), tlsKeyFile = Secret("client.key", pem);
        DaemonProcess tls = StartDaemon(_device, NewStateDir(_device + "c"), $"Mqtt:Uri=mqtts://127.0.0.1:{Broker.Port}",
            $"Mqtt:ClientCertFile={certFile}", $"Mqtt:ClientKeyFile={tlsKeyFile}");
        daemons.Add(tls);
        await EventuallyAsync(() => tls.HasExited || OutputLines(tls, RetryLogLine) >= 1, 60, "the daemon with an unusable TLS key stopping or retrying");
        await tls.KillAsync();

        var places = new List<(string Where, byte[] Bytes)>();
        foreach (DaemonProcess d in daemons) places.Add(($"output of pid {d.Pid}", Encoding.UTF8.GetBytes(d.Output)));
        foreach (Received m in op.All()) places.Add(($"message on {m.Topic}", [.. Encoding.UTF8.GetBytes(m.Topic), .. m.Payload]));
        foreach (string file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories).Where(f => f.Contains("state-")))
            places.Add((file, File.ReadAllBytes(file)));
        Check(places.Count(p => p.Where.StartsWith("message")) > 10 && places.Any(p => p.Where.EndsWith(".db")), "too little was looked at");
        foreach ((string name, string secret) in new[] { ("password", _password), ("wrong password", _wrongPassword), ("command key", _key), ("TLS key", _tlsKeyBody) })
        {
            byte[] needle = Encoding.UTF8.GetBytes(secret);
            foreach ((string where, byte[] bytes) in places)
                Check(bytes.AsSpan().IndexOf(needle) < 0, $"the {name} appears in the {where}");
        }
    }
}
