using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using SensorOdl.Integration.Tests.Infrastructure;
using static SensorOdl.Integration.Tests.Infrastructure.JsonAssert;

namespace SensorOdl.Integration.Tests;

/// <summary>
/// docs/CONTRACT.md §3 signed commands: with Security:CommandKeyFile, user property `sig` = lowercase hex
/// HMAC-SHA256(key, exact payload bytes), `ts` within ±5 min, ids not reused within 24 h (also across restarts).
/// </summary>
public sealed class SignedCommandTests : DaemonTest
{
    const string Key = "integration-test-key-\u00e9-material";

    static string Sign(byte[] payload, string key = Key) => Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), payload));

    static Task<Received> SendSigned(MqttProbe probe, string device, string payload, string? sig = null)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(payload);
        return probe.RequestAsync(Topic(device, "cmd"), bytes, userProperties: [("sig", sig ?? Sign(bytes))]);
    }

    static void AssertCode(Received reply, string code)
    {
        Assert.False(Bool(reply.Json, "ok"), $"expected {code}, got {reply.Text}");
        Assert.True(code == Str(Obj(reply.Json, "error"), "code"), $"expected {code}, got {reply.Text}");
    }

    [Fact]
    public async Task Signed_commands_are_accepted_and_wrong_stale_or_replayed_ones_refused_also_after_a_restart()
    {
        string device = NewDevice("signed");
        string stateDir = NewStateDir(device);
        string keyFile = Path.Combine(Root, "command.key");
        await File.WriteAllTextAsync(keyFile, $"  {Key}\n"); // surrounding whitespace is not part of the key
        string keySetting = $"Security:CommandKeyFile={keyFile}";
        (DaemonProcess daemon, MqttProbe probe) = await StartMonitoringAsync(device, stateDir, keySetting);

        // Right signature, fresh ts, new id: accepted.
        string accepted = Command("s-ok-1", "status");
        Received ok = await SendSigned(probe, device, accepted);
        Assert.True(Bool(ok.Json, "ok"), ok.Text);
        Assert.Equal("s-ok-1", Str(ok.Json, "id"));

        // Unsigned, signed with another key, upper-case hex, signature of other bytes: unauthorized.
        int mark = probe.Mark;
        AssertCode(await probe.RequestAsync(Topic(device, "cmd"), Command("s-unsigned", "status")), "unauthorized");
        await WaitEventAsync(probe, device, e => Str(e, "type") == "command_rejected" && e["code"]?.GetValue<string>() == "unauthorized", "command_rejected unauthorized", mark);
        string wrong = Command("s-wrong-key", "status");
        AssertCode(await SendSigned(probe, device, wrong, Sign(Encoding.UTF8.GetBytes(wrong), "another-key")), "unauthorized");
        string tampered = Command("s-tampered", "pause");
        AssertCode(await SendSigned(probe, device, tampered, Sign(Encoding.UTF8.GetBytes(Command("s-tampered", "status")))), "unauthorized");
        // The key is the trimmed file content, not including the whitespace.
        string padded = Command("s-padded-key", "status");
        AssertCode(await SendSigned(probe, device, padded, Sign(Encoding.UTF8.GetBytes(padded), $"  {Key}\n")), "unauthorized");

        // Right signature but ts outside ±5 min: unauthorized.
        AssertCode(await SendSigned(probe, device, Command("s-stale", "status", ts: NowMs - 6 * 60_000)), "unauthorized");
        AssertCode(await SendSigned(probe, device, Command("s-future", "status", ts: NowMs + 6 * 60_000)), "unauthorized");
        AssertCode(await SendSigned(probe, device, "{\"id\":\"s-no-ts\",\"command\":\"status\"}"), "unauthorized");
        // Within the window: accepted.
        Received nearEdge = await SendSigned(probe, device, Command("s-4min", "status", ts: NowMs - 4 * 60_000));
        Assert.True(Bool(nearEdge.Json, "ok"), nearEdge.Text);

        // The same signed bytes again: replayed. A refused id (wrong sig) was not used up.
        AssertCode(await SendSigned(probe, device, accepted), "replayed");
        AssertCode(await SendSigned(probe, device, Command("s-ok-1", "status")), "replayed");
        Received wrongIdReused = await SendSigned(probe, device, Command("s-wrong-key", "status"));
        Assert.True(Bool(wrongIdReused.Json, "ok"), wrongIdReused.Text);

        // The Home Assistant button is a command like any other when AllowUnsignedButton is off.
        mark = probe.Mark;
        await probe.SubscribeAsync(Topic(device, "reply"));
        await probe.PublishAsync(Topic(device, "cmd"), "{\"id\":\"ha-retrain\",\"command\":\"retrain\"}");
        Received button = await probe.WaitForAsync(m => m.Topic == Topic(device, "reply") && m.Json["id"]?.GetValue<string>() == "ha-retrain", TimeSpan.FromSeconds(10), "reply to the unsigned button", mark);
        AssertCode(button, "unauthorized");

        // Seen ids survive a restart.
        daemon.Terminate();
        Check(await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)) == 0, "the daemon did not exit 0 after SIGTERM");
        mark = probe.Mark;
        StartDaemon(device, stateDir, keySetting);
        await WaitMonitoringAsync(probe, device, mark);
        AssertCode(await SendSigned(probe, device, accepted), "replayed");
        AssertCode(await SendSigned(probe, device, Command("s-4min", "status", ts: NowMs)), "replayed");
        Received fresh = await SendSigned(probe, device, Command("s-ok-2", "pause"));
        Assert.True(Bool(fresh.Json, "ok"), fresh.Text);
        Assert.Equal("paused", Str(Obj(fresh.Json, "result"), "state"));
    }

    [Fact]
    public async Task With_AllowUnsignedButton_the_button_payload_alone_passes_unsigned()
    {
        string device = NewDevice("button-unsigned");
        string keyFile = Path.Combine(Root, "command.key");
        await File.WriteAllTextAsync(keyFile, Key);
        (_, MqttProbe probe) = await StartMonitoringAsync(device, NewStateDir(device), $"Security:CommandKeyFile={keyFile}",
            "Security:AllowUnsignedButton=true", "Adaptation:MinSamples=2000", "Storage:SampleCapacity=2000", "HomeAssistant:PerEntityDiscovery=true");
        string node = device.Replace('-', '_');
        await probe.SubscribeAsync($"homeassistant/button/{node}/+/config", $"homeassistant/update/{node}/+/config");
        JsonObject config = (await probe.WaitForAsync(m => m.Topic.StartsWith("homeassistant/button/") && m.Payload.Length > 0, TimeSpan.FromSeconds(5), "button config")).Json;
        JsonObject update = (await probe.WaitForAsync(m => m.Topic.StartsWith("homeassistant/update/") && m.Payload.Length > 0, TimeSpan.FromSeconds(5), "update config")).Json;

        Received pressed = await probe.RequestAsync(Str(config, "command_topic"), Str(config, "payload_press"));
        Assert.True(Bool(pressed.Json, "ok"), pressed.Text);
        // Anything else unsigned is still refused, the other Home Assistant payloads included (they need AllowUnsignedHomeAssistant).
        AssertCode(await probe.RequestAsync(Topic(device, "cmd"), Command("s-other", "status")), "unauthorized");
        AssertCode(await probe.RequestAsync(Str(update, "command_topic"), Str(update, "payload_install")), "unauthorized");
    }
}
