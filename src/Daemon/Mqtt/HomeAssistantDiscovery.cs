using System.Text.Json.Nodes;

namespace SensorOdl.Daemon.Mqtt;

/// <summary>
/// Home Assistant MQTT discovery (retained under homeassistant/): anomaly-score and model-version sensors,
/// anomaly and drift binary sensors from the status topic, and a retrain button, with one device block and
/// the availability topic.
/// </summary>
public static class HomeAssistantDiscovery
{
    public const string ButtonCommandId = "ha-retrain";
    public static readonly string ButtonPayload = $"{{\"id\":\"{ButtonCommandId}\",\"command\":\"retrain\"}}";

    public static IReadOnlyList<(string Topic, string Payload)> Messages(Topics topics, string version)
    {
        string node = topics.DiscoveryObject;
        JsonObject Device() => new()
        {
            ["identifiers"] = new JsonArray($"sensorodl_{node}"),
            ["name"] = $"SensorOdl {topics.Device}",
            ["manufacturer"] = "SensorOdl",
            ["model"] = "on-device learning anomaly detector",
            ["sw_version"] = version,
        };
        JsonObject Entity(string key, string name) => new()
        {
            ["name"] = name,
            ["unique_id"] = $"sensorodl_{node}_{key}",
            ["object_id"] = $"sensorodl_{node}_{key}",
            ["availability_topic"] = topics.Availability,
            ["device"] = Device(),
        };

        JsonObject score = Entity("anomaly_score", "Anomaly score");
        score["state_topic"] = topics.Status;
        score["value_template"] = "{{ value_json.anomaly.score }}";
        score["state_class"] = "measurement";

        JsonObject model = Entity("model_version", "Model version");
        model["state_topic"] = topics.Model;
        model["value_template"] = "{{ value_json.version }}";
        model["json_attributes_topic"] = topics.Model;
        model["entity_category"] = "diagnostic";

        JsonObject anomaly = Entity("anomaly", "Anomaly");
        anomaly["state_topic"] = topics.Status;
        anomaly["value_template"] = "{{ 'ON' if value_json.anomaly.active else 'OFF' }}";
        anomaly["device_class"] = "problem";

        JsonObject drift = Entity("drift", "Drift");
        drift["state_topic"] = topics.Status;
        drift["value_template"] = "{{ 'ON' if value_json.drift.detected else 'OFF' }}";
        drift["device_class"] = "problem";

        JsonObject button = Entity("retrain", "Retrain");
        button["command_topic"] = topics.Command;
        button["payload_press"] = ButtonPayload;

        return
        [
            ($"homeassistant/sensor/{node}/anomaly_score/config", score.ToJsonString()),
            ($"homeassistant/sensor/{node}/model_version/config", model.ToJsonString()),
            ($"homeassistant/binary_sensor/{node}/anomaly/config", anomaly.ToJsonString()),
            ($"homeassistant/binary_sensor/{node}/drift/config", drift.ToJsonString()),
            ($"homeassistant/button/{node}/retrain/config", button.ToJsonString()),
        ];
    }
}
