using System.Text;
using System.Text.Json.Nodes;
using SensorOdl.Daemon.Mqtt;
using SensorOdl.Daemon.Mqtt.HomeAssistant;
using SensorOdl.Integration.Tests.Infrastructure;
using static SensorOdl.Integration.Tests.Infrastructure.JsonAssert;

namespace SensorOdl.Integration.Tests;

/// <summary>docs/CONTRACT.md §3 Home Assistant discovery on a real mosquitto: the hand-over between per-entity and device-based configs, and the unsigned Home Assistant payloads.</summary>
public sealed class HomeAssistantDiscoveryTests : DaemonTest
{
    const string Key = "ha-test-key-0123456789abcdef";

    const string Flush = "homeassistant/sensorodl-test/flush";

    static string DeviceConfigTopic(string device) => $"homeassistant/device/{Prefix}_{device}/config";

    /// <summary>The device config once the base model exists (the first announcement, before it, has no rollback select).</summary>
    static bool IsFullDeviceConfig(Received m, string device) => m.Topic == DeviceConfigTopic(device) && m.Payload.Length > 0 && m.Json["cmps"]?["rollback"] is not null;

    [Fact]
    public async Task A_per_entity_config_of_an_earlier_release_is_handed_over_to_the_device_config_and_back()
    {
        string device = NewDevice("ha-migrate");
        string node = device.Replace('-', '_');
        string stateDir = NewStateDir(device);
        string legacy = $"homeassistant/sensor/{node}/anomaly_score/config";
        // What the earlier release left retained at the broker.
        MqttProbe planter = await ProbeAsync();
        await planter.PublishAsync(legacy, $"{{\"name\":\"Anomaly score\",\"unique_id\":\"sensorodl_{node}_anomaly_score\",\"state_topic\":\"{Topic(device, "status")}\"}}", retain: true);
        MqttProbe watcher = await ProbeAsync("homeassistant/#");
        await watcher.WaitForAsync(m => m.Topic == legacy && m.Retain, TimeSpan.FromSeconds(5), "the planted per-entity config");

        (DaemonProcess daemon, _) = await StartMonitoringAsync(device, stateDir);
        Received config = await watcher.WaitForAsync(m => m.Topic == DeviceConfigTopic(device) && m.Payload.Length > 0, TimeSpan.FromSeconds(10), "the device config");
        Received cleared = await watcher.WaitForAsync(m => m.Topic == legacy && m.Payload.Length == 0, TimeSpan.FromSeconds(10), "the per-entity config cleared");
        await watcher.WaitForAsync(m => IsFullDeviceConfig(m, device), TimeSpan.FromSeconds(15), "the device config with the rollback select");
        // Home Assistant's documented order: migrate marker, then the new config, then the empty retained payload.
        List<Received> onLegacy = [.. watcher.All().Where(m => m.Topic == legacy)];
        int marker = watcher.All().ToList().FindIndex(m => m.Topic == legacy && m.Text == HomeAssistantDiscovery.MigrateMarker);
        Assert.True(marker >= 0, string.Join("\n", onLegacy));
        Assert.True(marker < watcher.All().ToList().IndexOf(config) && watcher.All().ToList().IndexOf(config) < watcher.All().ToList().IndexOf(cleared), string.Join("\n", watcher.All()));
        JsonObject components = Obj(config.Json, "cmps");
        Assert.Equal($"sensorodl_{node}_anomaly_score", Str(Obj(components, "anomaly_score"), "uniq_id")); // the entity keeps its history

        // A Home Assistant that starts now finds the device config, and the per-entity form's topics end empty.
        MqttProbe late = await ProbeAsync("homeassistant/#");
        await late.WaitForAsync(m => m.Topic == DeviceConfigTopic(device) && m.Retain, TimeSpan.FromSeconds(5), "the retained device config");
        await late.PublishAsync(Flush, "x"); // anything retained arrived before this comes back (not homeassistant/status: that re-announces)
        await late.WaitForAsync(m => m.Topic == Flush, TimeSpan.FromSeconds(5), "own message back");
        Assert.All(late.All().Where(m => m.Topic != DeviceConfigTopic(device) && m.Topic != Flush).GroupBy(m => m.Topic), g => Assert.Equal("", g.Last().Text));
        Assert.DoesNotContain(late.All(), m => m.Topic == legacy && m.Text.Contains("Anomaly score", StringComparison.Ordinal));

        // Back to per-entity discovery (an older Home Assistant): the device config is handed back and cleared.
        daemon.Terminate();
        Check(await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)) == 0, "the daemon did not exit 0 after SIGTERM");
        int mark = watcher.Mark;
        StartDaemon(device, stateDir, "HomeAssistant:PerEntityDiscovery=true");
        Received single = await watcher.WaitForAsync(m => m.Topic == legacy && m.Payload.Length > 0 && m.Text != HomeAssistantDiscovery.MigrateMarker, TimeSpan.FromSeconds(40), "the per-entity config again", mark);
        Assert.Equal($"sensorodl_{node}_anomaly_score", Str(single.Json, "unique_id"));
        await watcher.WaitForAsync(m => m.Topic == DeviceConfigTopic(device) && m.Payload.Length == 0, TimeSpan.FromSeconds(10), "the device config cleared", mark);
        MqttProbe later = await ProbeAsync("homeassistant/#");
        await later.WaitForAsync(m => m.Topic == legacy && m.Retain, TimeSpan.FromSeconds(5), "the retained per-entity config");
        await later.PublishAsync(Flush, "x");
        await later.WaitForAsync(m => m.Topic == Flush, TimeSpan.FromSeconds(5), "own message back");
        Assert.All(later.All().Where(m => m.Topic == DeviceConfigTopic(device)), m => Assert.True(m.Payload.Length == 0 || m.Text == HomeAssistantDiscovery.MigrateMarker, m.ToString()));
        Assert.Equal("", later.All().LastOrDefault(m => m.Topic == DeviceConfigTopic(device))?.Text ?? "");
        Assert.Contains(later.All(), m => m.Topic == $"homeassistant/update/{node}/model/config" && m.Retain);
    }

    [Fact]
    public async Task With_a_command_key_and_AllowUnsignedHomeAssistant_exactly_the_discovered_payloads_pass_unsigned()
    {
        string device = NewDevice("ha-unsigned");
        string keyFile = Path.Combine(Root, "command.key");
        await File.WriteAllTextAsync(keyFile, Key);
        (_, MqttProbe probe) = await StartMonitoringAsync(device, NewStateDir(device), $"Security:CommandKeyFile={keyFile}",
            "Security:AllowUnsignedHomeAssistant=true", "Adaptation:MinSamples=2000", "Storage:SampleCapacity=2000");
        await probe.SubscribeAsync(DeviceConfigTopic(device));
        JsonObject components = Obj((await probe.WaitForAsync(m => IsFullDeviceConfig(m, device), TimeSpan.FromSeconds(15), "device config")).Json, "cmps");
        JsonObject select = Obj(components, "rollback");
        string option = Assert.Single(select["ops"]!.AsArray())!.GetValue<string>();
        Assert.Equal("1", option);
        // The select's command_template, rendered the way Home Assistant does for this template (tests/Daemon.Tests/HomeAssistant renders it with jinja2).
        string rollback = Str(select, "cmd_tpl").Replace("{{ value }}", option, StringComparison.Ordinal);
        Assert.Equal(HomeAssistantCommands.RollbackPayload(1), rollback);

        Received rolledBack = await probe.RequestAsync(Str(select, "cmd_t"), rollback);
        Assert.True(Bool(rolledBack.Json, "ok"), rolledBack.Text);
        Assert.Equal(1, Int(Obj(rolledBack.Json, "result"), "version"));

        // Install (promote): past the signature check; without a pending candidate the verb itself answers.
        Received install = await probe.RequestAsync(Str(Obj(components, "model"), "cmd_t"), Str(Obj(components, "model"), "payload_install"));
        Assert.False(Bool(install.Json, "ok"), install.Text);
        Assert.Contains(Str(Obj(install.Json, "error"), "code"), new[] { "no_candidate", "unknown_command" });

        Received pressed = await probe.RequestAsync(Str(Obj(components, "retrain"), "cmd_t"), Str(Obj(components, "retrain"), "pl_prs"));
        Assert.True(Bool(pressed.Json, "ok"), pressed.Text);

        // Not one byte more: a version that is not an option, another spacing, any other command.
        foreach (string refused in new[] { HomeAssistantCommands.RollbackPayload(2), rollback.Replace(":", ": ", StringComparison.Ordinal), Command("ha-other", "status") })
        {
            Received reply = await probe.RequestAsync(Topic(device, "cmd"), Encoding.UTF8.GetBytes(refused));
            Assert.Equal("unauthorized", Str(Obj(reply.Json, "error"), "code"));
        }
    }
}
