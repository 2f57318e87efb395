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
        MqttProbe late = await ProbeAsync($"{Prefix}/{device}/#", $"homeassistant/+/{node}/+/config");
        Received availability = await late.WaitForAsync(m => m.Topic == Topic(device, "availability"), TimeSpan.FromSeconds(5), "retained availability");
        Received statusMessage = await late.WaitForAsync(m => m.Topic == Topic(device, "status"), TimeSpan.FromSeconds(5), "retained status");
        Received modelMessage = await late.WaitForAsync(m => m.Topic == Topic(device, "model"), TimeSpan.FromSeconds(5), "retained model");
        IReadOnlyList<Received> discovery = await late.WaitForCountAsync(m => m.Topic.StartsWith("homeassistant/"), 5, TimeSpan.FromSeconds(5), "5 discovery configs");

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

        // Discovery: 2 sensors, 2 binary sensors, 1 button; availability topic and one device block each.
        Assert.All(discovery, m => Assert.True(m.Retain, $"{m.Topic} must be retained"));
        Dictionary<string, JsonObject> configs = discovery.GroupBy(m => m.Topic).ToDictionary(g => g.Key, g => g.First().Json);
        Assert.Equal(5, configs.Count);
        Assert.Equal(2, configs.Keys.Count(t => t.StartsWith($"homeassistant/sensor/{node}/")));
        Assert.Equal(2, configs.Keys.Count(t => t.StartsWith($"homeassistant/binary_sensor/{node}/")));
        Assert.Single(configs.Keys, t => t.StartsWith($"homeassistant/button/{node}/"));
        JsonNode? firstIdentifiers = null;
        foreach ((string topic, JsonObject config) in configs)
        {
            Assert.Equal(Topic(device, "availability"), Str(config, "availability_topic"));
            JsonObject block = Obj(config, "device");
            Assert.True(block["identifiers"] is JsonArray { Count: > 0 } || block["identifiers"] is JsonValue, $"{topic}: device.identifiers");
            firstIdentifiers ??= block["identifiers"];
            Assert.True(JsonNode.DeepEquals(firstIdentifiers, block["identifiers"]), $"{topic}: one device block for all entities");
            Assert.False(string.IsNullOrEmpty(Str(config, "unique_id")));
            if (!topic.StartsWith("homeassistant/button/")) Assert.False(string.IsNullOrEmpty(Str(config, "state_topic")));
        }
        // The binary sensors read anomaly.active and drift.detected from the status topic.
        string[] binaryTemplates = [.. configs.Where(kv => kv.Key.StartsWith("homeassistant/binary_sensor/")).Select(kv => Str(kv.Value, "value_template"))];
        Assert.Contains(binaryTemplates, t => t.Contains("anomaly.active"));
        Assert.Contains(binaryTemplates, t => t.Contains("drift.detected"));
        Assert.All(configs.Where(kv => kv.Key.StartsWith("homeassistant/binary_sensor/")), kv => Assert.Equal(Topic(device, "status"), Str(kv.Value, "state_topic")));
        JsonObject button = configs.Single(kv => kv.Key.StartsWith("homeassistant/button/")).Value;
        Assert.Equal(Topic(device, "cmd"), Str(button, "command_topic"));
        JsonObject press = JsonNode.Parse(Str(button, "payload_press"))!.AsObject();
        Assert.Equal("retrain", Str(press, "command"));
        Assert.False(string.IsNullOrEmpty(Str(press, "id")));

        // Re-announced when Home Assistant says it is back.
        int mark = late.Mark;
        await late.PublishAsync("homeassistant/status", "online");
        IReadOnlyList<Received> again = await late.WaitForCountAsync(m => m.Topic.StartsWith("homeassistant/"), 5, TimeSpan.FromSeconds(10), "discovery re-announced after homeassistant/status online", mark);
        Assert.Equal(configs.Keys.Order(), again.Select(m => m.Topic).Distinct().Order());
        Assert.False(daemon.HasExited, daemon.Describe());
    }

    [Fact]
    public async Task The_button_payload_is_a_working_retrain_command()
    {
        string device = NewDevice("button");
        string node = device.Replace('-', '_');
        (_, MqttProbe probe) = await StartMonitoringAsync(device, NewStateDir(device), "Adaptation:MinSamples=2000", "Storage:SampleCapacity=2000");
        await probe.SubscribeAsync($"homeassistant/button/{node}/+/config", Topic(device, "reply"));
        Received config = await probe.WaitForAsync(m => m.Topic.StartsWith("homeassistant/button/"), TimeSpan.FromSeconds(5), "button config");
        JsonObject button = config.Json;
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
