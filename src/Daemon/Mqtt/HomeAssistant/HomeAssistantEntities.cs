using System.Text.Json.Nodes;
using SensorOdl.Daemon.Pipeline;
using T = SensorOdl.Daemon.Mqtt.HomeAssistant.HomeAssistantTemplates;

namespace SensorOdl.Daemon.Mqtt.HomeAssistant;

/// <summary>One Home Assistant entity: its platform, its object id (the per-entity topic's last level and the device config's component key) and its options, keys in full.</summary>
public sealed record HomeAssistantEntity(string Platform, string ObjectId, JsonObject Options);

/// <summary>What the discovery depends on besides the topics: whether status carries ambient readings, and the rollback options.</summary>
public sealed record HomeAssistantContext(bool Ambient, IReadOnlyList<int> KeptVersions);

/// <summary>The control-panel entities of docs/CONTRACT.md §3 Home Assistant discovery, without device or availability (the discovery adds those).</summary>
public static class HomeAssistantEntities
{
    /// <summary>Status is published at least every 10 s: a status-fed value older than this is stale (a hung daemon that keeps its connection).</summary>
    public const int ExpireAfterSeconds = 60;

    /// <summary>Every object id this version can publish, ambient ones included (the per-entity topics to clear or migrate).</summary>
    public static IReadOnlyList<(string Platform, string ObjectId)> AllObjects(Topics topics) =>
        [.. For(topics, new HomeAssistantContext(true, [1])).Select(e => (e.Platform, e.ObjectId))];

    public static IReadOnlyList<HomeAssistantEntity> For(Topics topics, HomeAssistantContext context)
    {
        string node = topics.DiscoveryObject;
        HomeAssistantEntity Entity(string platform, string key, string name, JsonObject options)
        {
            var all = new JsonObject { ["name"] = name, ["unique_id"] = $"sensorodl_{node}_{key}", ["object_id"] = $"sensorodl_{node}_{key}" };
            foreach ((string k, JsonNode? v) in options) all[k] = v?.DeepClone();
            return new HomeAssistantEntity(platform, key, all);
        }
        JsonObject FromStatus(string template, JsonObject? more = null)
        {
            var options = new JsonObject { ["state_topic"] = topics.Status, ["value_template"] = template, ["expire_after"] = ExpireAfterSeconds };
            foreach ((string k, JsonNode? v) in more ?? []) options[k] = v?.DeepClone();
            return options;
        }

        List<HomeAssistantEntity> entities =
        [
            Entity("binary_sensor", "anomaly", "Anomaly", FromStatus(T.AnomalyActive, new() { ["device_class"] = "problem" })),
            Entity("sensor", "anomaly_score", "Anomaly score", FromStatus(T.AnomalyScore, new()
            {
                ["state_class"] = "measurement", ["json_attributes_topic"] = topics.Status, ["json_attributes_template"] = T.AnomalyAttributes,
            })),
            Entity("binary_sensor", "drift", "Drift", FromStatus(T.DriftDetected, new() { ["device_class"] = "problem" })),
            Entity("binary_sensor", "attention", "Needs attention", FromStatus(T.AttentionNeeded, new()
            {
                ["device_class"] = "problem", ["json_attributes_topic"] = topics.Status, ["json_attributes_template"] = T.AttentionAttributes,
            })),
            Entity("sensor", "drift_statistic", "Drift statistic", FromStatus(T.DriftStatistic, new()
            {
                ["state_class"] = "measurement", ["json_attributes_topic"] = topics.Status, ["json_attributes_template"] = T.DriftAttributes,
            })),
            Entity("sensor", "state", "State", FromStatus(T.State, new()
            {
                ["device_class"] = "enum", ["options"] = new JsonArray([.. StateNames.Select(s => (JsonNode)s)]),
            })),
            Entity("sensor", "adaptation_progress", "Adaptation progress", FromStatus(T.AdaptationProgress, new()
            {
                ["unit_of_measurement"] = "%", ["state_class"] = "measurement", ["icon"] = "mdi:progress-clock",
                ["json_attributes_topic"] = topics.Status, ["json_attributes_template"] = T.AdaptationAttributes,
            })),
            Entity("sensor", "model_version", "Model version", new()
            {
                ["state_topic"] = topics.Model, ["value_template"] = T.ModelVersion, ["json_attributes_topic"] = topics.Model,
                ["entity_category"] = "diagnostic",
            }),
            Entity("binary_sensor", "sensor_health", "Sensor", FromStatus(T.SensorProblem, new()
            {
                ["device_class"] = "problem", ["entity_category"] = "diagnostic",
                ["json_attributes_topic"] = topics.Status, ["json_attributes_template"] = T.SensorAttributes,
            })),
        ];
        if (context.Ambient)
        {
            entities.Add(Entity("sensor", "temperature", "Temperature", FromStatus(T.Ambient("temperatureC"), new()
            {
                ["device_class"] = "temperature", ["unit_of_measurement"] = "°C", ["state_class"] = "measurement",
            })));
            entities.Add(Entity("sensor", "humidity", "Humidity", FromStatus(T.Ambient("humidityPercent"), new()
            {
                ["device_class"] = "humidity", ["unit_of_measurement"] = "%", ["state_class"] = "measurement",
            })));
            entities.Add(Entity("sensor", "pressure", "Pressure", FromStatus(T.Ambient("pressureHpa"), new()
            {
                ["device_class"] = "atmospheric_pressure", ["unit_of_measurement"] = "hPa", ["state_class"] = "measurement",
            })));
        }
        entities.Add(Entity("update", "model", "Model", new()
        {
            ["state_topic"] = topics.Status, ["value_template"] = T.ModelUpdate, ["title"] = "SensorOdl model",
            ["command_topic"] = topics.Command, ["payload_install"] = HomeAssistantCommands.InstallPayload,
        }));
        entities.Add(Entity("button", "retrain", "Retrain", new()
        {
            ["command_topic"] = topics.Command, ["payload_press"] = HomeAssistantCommands.RetrainPayload,
        }));
        if (context.KeptVersions.Count > 0) // a select needs options: none before the first model exists
            entities.Add(Entity("select", "rollback", "Roll back to version", new()
        {
                ["command_topic"] = topics.Command, ["command_template"] = HomeAssistantCommands.RollbackCommandTemplate,
                ["options"] = new JsonArray([.. context.KeptVersions.Select(v => (JsonNode)v.ToString(System.Globalization.CultureInfo.InvariantCulture))]),
                ["state_topic"] = topics.Model, ["value_template"] = T.ModelVersion, ["entity_category"] = "config",
            }));
        return entities;
    }

    /// <summary>The status `state` values (docs/CONTRACT.md §3), `pending` included (a confirm-mode candidate waiting).</summary>
    public static readonly string[] StateNames = [.. Enum.GetValues<DaemonState>().Select(s => s.ToWire()).Union(["pending"])];
}
