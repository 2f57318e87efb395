using System.Text.Json;
using System.Text.Json.Nodes;
using SensorOdl.Integration.Tests.Infrastructure;
using static SensorOdl.Integration.Tests.Infrastructure.JsonAssert;

namespace SensorOdl.Integration.Tests;

/// <summary>docs/CONTRACT.md §3: the retained topics (availability, status, model) and Home Assistant discovery.</summary>
public sealed class RetainedTopicsTests : DaemonTest
{
    static readonly string[] States = ["starting", "monitoring", "drift", "collecting", "training", "validating", "degraded", "paused"];

    [Fact]
    public async Task Availability_status_model_and_discovery_are_retained_with_the_contract_shapes()
    {
        string device = NewDevice("retained");
        string node = device.Replace('-', '_');
        (DaemonProcess daemon, MqttProbe early) = await StartMonitoringAsync(device, NewStateDir(device));

        // docs/CONTRACT.md §1: on first start `online` and status `starting` go out before the base model is trained.
        List<Received> seen = [.. early.All().Where(m => m.Topic is var t && (t == Topic(device, "availability") || t == Topic(device, "status") || t == Topic(device, "model")))];
        Assert.Equal(Topic(device, "availability"), seen[0].Topic);
        Assert.Equal("online", seen[0].Text);
        Assert.Equal(Topic(device, "status"), seen[1].Topic);
        Assert.Equal("starting", Str(seen[1].Json, "state"));
        Assert.Null(seen[1].Json["model"]);

        // A late subscriber gets the retained state.
        string deviceConfigTopic = $"homeassistant/device/{Prefix}_{device}/config";
        MqttProbe late = await ProbeAsync($"{Prefix}/{device}/#", $"homeassistant/+/{node}/+/config", deviceConfigTopic);
        Received availability = await late.WaitForAsync(m => m.Topic == Topic(device, "availability"), TimeSpan.FromSeconds(5), "retained availability");
        Received statusMessage = await late.WaitForAsync(m => m.Topic == Topic(device, "status"), TimeSpan.FromSeconds(5), "retained status");
        Received modelMessage = await late.WaitForAsync(m => m.Topic == Topic(device, "model"), TimeSpan.FromSeconds(5), "retained model");
        // The first announcement (before the base model existed) has no rollback select; the daemon re-announces once the version exists.
        Received deviceConfig = await late.WaitForAsync(m => m.Topic == deviceConfigTopic && m.Payload.Length > 0 && m.Json["cmps"]?["rollback"] is not null,
            TimeSpan.FromSeconds(15), "the device-based discovery config with the rollback select");

        Assert.True(availability.Retain);
        Assert.Equal("online", availability.Text);

        // status: every field of docs/CONTRACT.md §3 with its type.
        Assert.True(statusMessage.Retain);
        JsonObject status = statusMessage.Json;
        Assert.Equal(device, Str(status, "device"));
        Assert.Contains(Str(status, "state"), States);
        Assert.True(Num(status, "uptimeSeconds") >= 0);
        JsonObject statusModel = Obj(status, "model");
        Assert.Equal(1, Int(statusModel, "version"));
        Assert.False(string.IsNullOrEmpty(Str(statusModel, "id")));
        Assert.False(string.IsNullOrEmpty(Str(statusModel, "method")));
        AssertUnixMs(Num(statusModel, "createdAt"), "status.model.createdAt");
        JsonObject anomaly = Obj(status, "anomaly");
        Num(anomaly, "score");
        Assert.True(Num(anomaly, "threshold") > 0);
        Bool(anomaly, "active");
        JsonObject drift = Obj(status, "drift");
        Bool(drift, "detected");
        Num(drift, "statistic");
        Num(drift, "threshold");
        Assert.True(drift.ContainsKey("since"), "status.drift.since must be present (null when no drift)");
        Assert.True(drift["since"] is null || drift["since"]!.GetValueKind() == JsonValueKind.Number);
        Assert.True(status.ContainsKey("training"), "status.training must be present (null when not training)");
        Assert.True(status.ContainsKey("attention"), "status.attention must be present (null when nothing needs a look)");
        Assert.Null(status["attention"]); // a stationary machine on its own base: nothing to look at
        if (status["training"] is JsonObject training)
            foreach (string key in new[] { "progress", "epoch", "epochs", "etaSeconds" }) Assert.True(training.ContainsKey(key), $"training.{key}");
        JsonObject sensor = Obj(status, "sensor");
        Assert.Equal("simulated", Str(sensor, "kind"));
        Assert.True(Bool(sensor, "healthy"));
        Assert.True(sensor.ContainsKey("error"));
        AssertUnixMs(Num(status, "ts"), "status.ts");

        // model: the active version, first start = version 1 trained for the simulated machine.
        Assert.True(modelMessage.Retain);
        JsonObject model = modelMessage.Json;
        foreach (string key in new[] { "version", "id", "parentVersion", "method", "createdAt", "trainSamples", "metrics", "reason" })
            Assert.True(model.ContainsKey(key), $"model.{key} is missing: {model.ToJsonString()}");
        Assert.Equal(1, Int(model, "version"));
        Assert.Equal(Str(statusModel, "id"), Str(model, "id"));
        Assert.True(model["parentVersion"] is null || model["parentVersion"]!.GetValueKind() == JsonValueKind.Number);
        Assert.Equal(Str(statusModel, "method"), Str(model, "method"));
        AssertUnixMs(Num(model, "createdAt"), "model.createdAt");
        Assert.True(Num(model, "trainSamples") > 0);
        Obj(model, "metrics");
        Assert.False(string.IsNullOrEmpty(Str(model, "reason")));

        // Discovery: one device-based config, retained; the per-entity topics of earlier releases hold nothing retained.
        MqttProbe later = await ProbeAsync(deviceConfigTopic);
        Received retained = await later.WaitForAsync(m => m.Topic == deviceConfigTopic, TimeSpan.FromSeconds(5), "the retained device config");
        Assert.True(retained.Retain);
        Assert.Equal(deviceConfig.Text, retained.Text);
        JsonObject config = deviceConfig.Json;
        Assert.Equal(Topic(device, "availability"), Str(config, "avty_t"));
        Assert.Equal("sensorodl", Str(Obj(config, "o"), "name"));
        Assert.True(Obj(config, "dev")["ids"] is JsonArray { Count: > 0 }, "dev.ids");
        JsonObject components = Obj(config, "cmps");
        foreach (string id in new[] { "anomaly", "anomaly_score", "drift", "drift_statistic", "attention", "state", "adaptation_progress", "model_version", "sensor_health", "model", "retrain", "rollback" })
            Assert.True(components.ContainsKey(id), $"component {id} is missing: {components.ToJsonString()}");
        Assert.False(components.ContainsKey("temperature"), "no ambient sensor, no temperature entity");
        Assert.All(components.Where(kv => Str(kv.Value!.AsObject(), "p") is "sensor" or "binary_sensor"), kv => Assert.False(string.IsNullOrEmpty(Str(kv.Value!.AsObject(), "stat_t"))));
        Assert.Contains("anomaly.active", Str(Obj(components, "anomaly"), "val_tpl"));
        Assert.Contains("drift.detected", Str(Obj(components, "drift"), "val_tpl"));
        Assert.Equal(Topic(device, "status"), Str(Obj(components, "anomaly"), "stat_t"));
        JsonObject button = Obj(components, "retrain");
        Assert.Equal(Topic(device, "cmd"), Str(button, "cmd_t"));
        JsonObject press = JsonNode.Parse(Str(button, "pl_prs"))!.AsObject();
        Assert.Equal("retrain", Str(press, "command"));
        Assert.False(string.IsNullOrEmpty(Str(press, "id")));
        Assert.Equal(["1"], Obj(components, "rollback")["ops"]!.AsArray().Select(o => o!.GetValue<string>()));
        Assert.All(late.All().Where(m => m.Topic.StartsWith("homeassistant/") && m.Topic != deviceConfigTopic).GroupBy(m => m.Topic),
            g => Assert.Equal("", g.Last().Text)); // whatever a subscriber sees of them ends cleared

        // Re-announced when Home Assistant says it is back.
        int mark = late.Mark;
        await late.PublishAsync("homeassistant/status", "online");
        Received again = await late.WaitForAsync(m => m.Topic == deviceConfigTopic && m.Payload.Length > 0, TimeSpan.FromSeconds(10), "discovery re-announced after homeassistant/status online", mark);
        Assert.True(JsonNode.DeepEquals(Obj(config, "cmps"), Obj(again.Json, "cmps")));
        Assert.False(daemon.HasExited, daemon.Describe());
    }

    [Fact]
    public async Task The_button_payload_is_a_working_retrain_command()
    {
        string device = NewDevice("button");
        (_, MqttProbe probe) = await StartMonitoringAsync(device, NewStateDir(device), "Adaptation:MinSamples=2000", "Storage:SampleCapacity=2000");
        await probe.SubscribeAsync($"homeassistant/device/{Prefix}_{device}/config", Topic(device, "reply"));
        Received config = await probe.WaitForAsync(m => m.Topic.StartsWith("homeassistant/device/") && m.Payload.Length > 0, TimeSpan.FromSeconds(5), "device config");
        JsonObject retrain = Obj(Obj(config.Json, "cmps"), "retrain");
        var button = new JsonObject { ["command_topic"] = Str(retrain, "cmd_t"), ["payload_press"] = Str(retrain, "pl_prs") };
        // Press it the way Home Assistant does: payload_press as is, on command_topic, no response topic.
        int mark = probe.Mark;
        await probe.PublishAsync(Str(button, "command_topic"), Str(button, "payload_press"));
        string id = Str(JsonNode.Parse(Str(button, "payload_press"))!.AsObject(), "id");
        Received reply = await probe.WaitForAsync(m => m.Topic == Topic(device, "reply") && m.Json["id"]?.GetValue<string>() == id, TimeSpan.FromSeconds(10), "reply to the button", mark);
        Assert.True(reply.Json["ok"]!.GetValue<bool>(), reply.Text);
        Assert.False(string.IsNullOrEmpty(Str(Obj(reply.Json, "result"), "job")));
        // Fewer stored windows than MinSamples: the job collects first (docs/CONTRACT.md §3 retrain).
        await probe.WaitForAsync(m => m.Topic == Topic(device, "status") && m.Json["state"]?.GetValue<string>() == "collecting", TimeSpan.FromSeconds(10), "status 'collecting'", mark);
    }
}
