using System.Text.Json.Nodes;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Mqtt;
using SensorOdl.Daemon.Mqtt.HomeAssistant;

namespace SensorOdl.Daemon.Tests.HomeAssistant;

/// <summary>The discovery messages replayed through what Home Assistant does with them (<see cref="HomeAssistantSchema"/>).</summary>
public sealed class DiscoverySchemaTests
{
    static readonly Topics Topics = new("sensorodl", "pump-7");
    static readonly HomeAssistantContext Full = new(Ambient: true, KeptVersions: [1, 3, 4]);

    static IReadOnlyList<(string Topic, string Payload)> Device(HomeAssistantContext context) => HomeAssistantDiscovery.Messages(Topics, "1.2.3", context, perEntity: false, "https://example.org/sensorodl");
    static IReadOnlyList<(string Topic, string Payload)> PerEntity(HomeAssistantContext context) => HomeAssistantDiscovery.Messages(Topics, "1.2.3", context, perEntity: true, "https://example.org/sensorodl");

    [Fact]
    public void A_re_announce_sends_only_the_configs_and_no_hand_over_markers()
    {
        var deviceAgain = HomeAssistantDiscovery.Messages(Topics, "1.2.3", Full, perEntity: false, handOver: false);
        (string topic, string payload) = Assert.Single(deviceAgain);
        Assert.Equal(HomeAssistantDiscovery.DeviceTopic(Topics), topic);
        Assert.StartsWith("{\"dev\"", payload, StringComparison.Ordinal);
        Assert.Contains(Device(Full), m => m.Payload == HomeAssistantDiscovery.MigrateMarker); // the first announce hands over

        var perEntityAgain = HomeAssistantDiscovery.Messages(Topics, "1.2.3", Full, perEntity: true, "https://example.org/sensorodl", handOver: false);
        Assert.DoesNotContain(perEntityAgain, m => m.Topic == HomeAssistantDiscovery.DeviceTopic(Topics) || m.Payload == HomeAssistantDiscovery.MigrateMarker);
        Assert.Equal(PerEntity(Full).Where(m => m.Topic != HomeAssistantDiscovery.DeviceTopic(Topics)), perEntityAgain);
    }

    [Fact]
    public void The_device_config_expands_into_components_every_platform_schema_accepts()
    {
        (string topic, string payload) = Assert.Single(Device(Full), m => m.Payload.StartsWith("{\"dev\"", StringComparison.Ordinal));
        Assert.Equal("homeassistant/device/sensorodl_pump-7/config", topic);
        JsonObject config = JsonNode.Parse(payload)!.AsObject();
        foreach (string key in new[] { "dev", "o", "cmps" }) Assert.True(config.ContainsKey(key), $"the device config needs '{key}'");

        IReadOnlyList<(string Platform, string ObjectId, JsonObject Config)> components = HomeAssistantSchema.ExpandDevice(config);
        Assert.All(components, c => Assert.Empty(HomeAssistantSchema.Problems(c.Platform, c.Config)));
        Assert.All(components, c =>
        {
            Assert.Equal("sensorodl/pump-7/availability", c.Config["availability_topic"]!.GetValue<string>());
            Assert.Equal("sensorodl", c.Config["origin"]!["name"]!.GetValue<string>());
            Assert.Equal("1.2.3", c.Config["origin"]!["sw_version"]!.GetValue<string>());
            Assert.Equal("https://example.org/sensorodl", c.Config["origin"]!["support_url"]!.GetValue<string>());
        });
        // unique_id: one per entity across the device.
        Assert.Equal(components.Count, components.Select(c => c.Config["unique_id"]!.GetValue<string>()).Distinct().Count());
        Assert.Equal(
            ["adaptation_progress:sensor", "anomaly:binary_sensor", "anomaly_score:sensor", "attention:binary_sensor", "drift:binary_sensor", "drift_statistic:sensor",
             "humidity:sensor", "model:update", "model_version:sensor", "pressure:sensor", "retrain:button", "rollback:select",
             "sensor_health:binary_sensor", "state:sensor", "temperature:sensor"],
            components.Select(c => $"{c.ObjectId}:{c.Platform}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Expanded_device_components_equal_the_per_entity_configs_so_the_abbreviations_are_right()
    {
        JsonObject device = JsonNode.Parse(Device(Full).Single(m => m.Topic.StartsWith("homeassistant/device/", StringComparison.Ordinal) && m.Payload.Length > 30).Payload)!.AsObject();
        Dictionary<string, JsonObject> perEntity = PerEntity(Full)
            .Where(m => !m.Topic.StartsWith("homeassistant/device/", StringComparison.Ordinal) && m.Payload.Length > 0)
            .ToDictionary(m => m.Topic, m => HomeAssistantSchema.ExpandEntity(JsonNode.Parse(m.Payload)!.AsObject()));
        foreach ((string platform, string objectId, JsonObject config) in HomeAssistantSchema.ExpandDevice(device))
        {
            string topic = $"homeassistant/{platform}/pump_7/{objectId}/config";
            Assert.True(perEntity.TryGetValue(topic, out JsonObject? single), $"no per-entity config on {topic}");
            Assert.True(JsonNode.DeepEquals(single, config), $"{objectId}: device-based {config.ToJsonString()} != per-entity {single.ToJsonString()}");
            Assert.Empty(HomeAssistantSchema.Problems(platform, single));
        }
        Assert.Equal(perEntity.Count, HomeAssistantSchema.ExpandDevice(device).Count);
    }

    [Fact]
    public void Unique_ids_of_the_entities_that_existed_before_are_unchanged()
    {
        // The five per-entity configs of the previous release: their unique_id and object_id carry the entity history.
        Dictionary<string, string> ids = HomeAssistantSchema.ExpandDevice(JsonNode.Parse(Device(Full).Single(m => m.Payload.StartsWith("{\"dev\"", StringComparison.Ordinal)).Payload)!.AsObject())
            .ToDictionary(c => $"{c.Platform}/{c.ObjectId}", c => c.Config["unique_id"]!.GetValue<string>());
        foreach (string old in new[] { "sensor/anomaly_score", "sensor/model_version", "binary_sensor/anomaly", "binary_sensor/drift", "button/retrain" })
            Assert.Equal($"sensorodl_pump_7_{old.Split('/')[1]}", ids[old]);
    }

    [Fact]
    public void Switching_forms_hands_over_with_migrate_markers_then_the_configs_then_empty_retained_payloads()
    {
        IReadOnlyList<(string Topic, string Payload)> device = Device(Full);
        string deviceTopic = HomeAssistantDiscovery.DeviceTopic(Topics);
        int config = device.ToList().FindIndex(m => m.Topic == deviceTopic);
        string[] legacy = [.. HomeAssistantEntities.AllObjects(Topics).Select(o => HomeAssistantDiscovery.EntityTopic(Topics, o.Platform, o.ObjectId))];
        Assert.Contains("homeassistant/sensor/pump_7/anomaly_score/config", legacy);
        Assert.All(legacy, t =>
        {
            Assert.True(device.ToList().FindIndex(m => m.Topic == t && m.Payload == HomeAssistantDiscovery.MigrateMarker) < config, $"{t}: migrate marker before the device config");
            Assert.True(device.ToList().FindLastIndex(m => m.Topic == t && m.Payload == "") > config, $"{t}: cleared after the device config");
        });

        IReadOnlyList<(string Topic, string Payload)> single = PerEntity(new HomeAssistantContext(Ambient: false, KeptVersions: [2]));
        Assert.Equal((deviceTopic, HomeAssistantDiscovery.MigrateMarker), single[0]);
        Assert.Equal((deviceTopic, ""), single[^1]);
        // Without an ambient sensor its entities are not announced, and a per-entity config left from before is cleared.
        Assert.Equal("", single.Single(m => m.Topic == "homeassistant/sensor/pump_7/temperature/config").Payload);
        Assert.DoesNotContain(HomeAssistantSchema.ExpandDevice(JsonNode.Parse(Device(new(false, [])).Single(m => m.Topic == deviceTopic).Payload)!.AsObject()),
            c => c.ObjectId == "rollback"); // no model yet: a select without options is invalid
        Assert.DoesNotContain(HomeAssistantSchema.ExpandDevice(JsonNode.Parse(Device(new(false, [2])).Single(m => m.Topic == deviceTopic).Payload)!.AsObject()),
            c => c.ObjectId is "temperature" or "humidity" or "pressure");
    }

    [Fact]
    public void The_rollback_select_lists_the_kept_versions_and_the_allowed_unsigned_payloads_are_what_discovery_publishes()
    {
        var components = HomeAssistantSchema.ExpandDevice(JsonNode.Parse(Device(Full).Single(m => m.Topic == HomeAssistantDiscovery.DeviceTopic(Topics)).Payload)!.AsObject())
            .ToDictionary(c => c.ObjectId, c => c.Config);
        Assert.Equal(["1", "3", "4"], components["rollback"]["options"]!.AsArray().Select(o => o!.GetValue<string>()));
        string press = components["retrain"]["payload_press"]!.GetValue<string>();
        string install = components["model"]["payload_install"]!.GetValue<string>();
        Assert.Equal("promote", JsonNode.Parse(install)!["command"]!.GetValue<string>());
        Assert.Equal("retrain", JsonNode.Parse(press)!["command"]!.GetValue<string>());

        byte[] Bytes(string s) => System.Text.Encoding.UTF8.GetBytes(s);
        var all = new UnsignedHomeAssistantCommands(new SecuritySettings { AllowUnsignedHomeAssistant = true }, () => [1, 3, 4]);
        Assert.True(all.Allows(Bytes(press)));
        Assert.True(all.Allows(Bytes(install)));
        foreach (int v in new[] { 1, 3, 4 }) Assert.True(all.Allows(Bytes(HomeAssistantCommands.RollbackPayload(v))));
        Assert.False(all.Allows(Bytes(HomeAssistantCommands.RollbackPayload(2))), "a version that is not an option");
        Assert.False(all.Allows(Bytes(press + " ")), "exact bytes only");
        Assert.False(all.Allows(Bytes("{\"id\":\"ha-promote\",\"command\":\"discard\"}")));

        var buttonOnly = new UnsignedHomeAssistantCommands(new SecuritySettings { AllowUnsignedButton = true }, () => [1, 3, 4]);
        Assert.True(buttonOnly.Allows(Bytes(press)));
        Assert.False(buttonOnly.Allows(Bytes(install)));
        Assert.False(buttonOnly.Allows(Bytes(HomeAssistantCommands.RollbackPayload(3))));
        Assert.False(new UnsignedHomeAssistantCommands(new SecuritySettings(), () => [1]).Allows(Bytes(press)));
    }
}
