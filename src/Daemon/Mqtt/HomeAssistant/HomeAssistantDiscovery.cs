using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SensorOdl.Daemon.Mqtt.HomeAssistant;

/// <summary>
/// Home Assistant MQTT discovery (retained under homeassistant/, docs/CONTRACT.md §3): by default one device-based
/// config on homeassistant/device/{p}_{id}/config; with HomeAssistant:PerEntityDiscovery one config per entity, for
/// Home Assistant before 2024.11. Either way the other form's topics are handed over the way Home Assistant documents
/// it — a `migrate_discovery` marker first (its entities are unloaded but stay in the entity registry), then the new
/// configs (the same unique_ids take the registry entries, and so their history, over), then an empty retained payload
/// on the old topics so that they are gone from the broker.
/// </summary>
public static partial class HomeAssistantDiscovery
{
    public const string MigrateMarker = "{\"migrate_discovery\":true}";

    public static string DeviceTopic(Topics topics) => $"homeassistant/device/{TopicLevel(topics.Prefix)}_{TopicLevel(topics.Device)}/config";

    public static string EntityTopic(Topics topics, string platform, string objectId) => $"homeassistant/{platform}/{topics.DiscoveryObject}/{objectId}/config";

    /// <summary>
    /// The retained messages to publish, in order. <paramref name="handOver"/>: also hand the other form's topics over
    /// (marker, configs, empty payloads) — once per run is enough; a re-announce (Home Assistant back online, the kept
    /// versions changed) sends only the configs, so a late subscriber never meets a marker left between the two.
    /// </summary>
    public static IReadOnlyList<(string Topic, string Payload)> Messages(Topics topics, string version, HomeAssistantContext context,
        bool perEntity = false, string? supportUrl = null, bool handOver = true)
    {
        IReadOnlyList<HomeAssistantEntity> entities = HomeAssistantEntities.For(topics, context);
        string[] legacy = [.. HomeAssistantEntities.AllObjects(topics).Select(o => EntityTopic(topics, o.Platform, o.ObjectId))];
        List<(string, string)> messages = [];
        if (perEntity)
        {
            if (handOver) messages.Add((DeviceTopic(topics), MigrateMarker));
            HashSet<string> published = [];
            foreach (HomeAssistantEntity entity in entities)
            {
                string topic = EntityTopic(topics, entity.Platform, entity.ObjectId);
                published.Add(topic);
                messages.Add((topic, EntityConfig(topics, version, supportUrl, entity).ToJsonString()));
            }
            messages.AddRange(legacy.Where(t => !published.Contains(t)).Select(t => (t, "")));
            if (handOver) messages.Add((DeviceTopic(topics), ""));
        }
        else
        {
            if (handOver) messages.AddRange(legacy.Select(t => (t, MigrateMarker)));
            messages.Add((DeviceTopic(topics), DeviceConfig(topics, version, supportUrl, entities).ToJsonString()));
            if (handOver) messages.AddRange(legacy.Select(t => (t, "")));
        }
        return messages;
    }

    /// <summary>The device-based config: `dev`, `o`, the availability shared by every component, and `cmps` keyed by object id.</summary>
    public static JsonObject DeviceConfig(Topics topics, string version, string? supportUrl, IEnumerable<HomeAssistantEntity> entities)
    {
        var components = new JsonObject();
        foreach (HomeAssistantEntity entity in entities)
        {
            JsonObject component = HomeAssistantAbbreviations.Abbreviate(entity.Options);
            component.Insert(0, "p", entity.Platform);
            components[entity.ObjectId] = component;
        }
        var config = new JsonObject { ["dev"] = HomeAssistantAbbreviations.AbbreviateDevice(Device(topics, version)), ["o"] = HomeAssistantAbbreviations.AbbreviateOrigin(Origin(version, supportUrl)) };
        foreach ((string key, JsonNode? value) in HomeAssistantAbbreviations.Abbreviate(Availability(topics))) config[key] = value?.DeepClone();
        config["cmps"] = components;
        return config;
    }

    /// <summary>One per-entity config, keys in full (as before device-based discovery).</summary>
    public static JsonObject EntityConfig(Topics topics, string version, string? supportUrl, HomeAssistantEntity entity)
    {
        var config = (JsonObject)entity.Options.DeepClone();
        foreach ((string key, JsonNode? value) in Availability(topics)) config[key] = value?.DeepClone();
        config["device"] = Device(topics, version);
        config["origin"] = Origin(version, supportUrl);
        return config;
    }

    /// <summary>The device block of every version so far (the device registry entry stays the same).</summary>
    static JsonObject Device(Topics topics, string version) => new()
    {
        ["identifiers"] = new JsonArray($"sensorodl_{topics.DiscoveryObject}"),
        ["name"] = $"SensorOdl {topics.Device}",
        ["manufacturer"] = "SensorOdl",
        ["model"] = "on-device learning anomaly detector",
        ["sw_version"] = version,
    };

    static JsonObject Origin(string version, string? supportUrl)
    {
        var origin = new JsonObject { ["name"] = "sensorodl", ["sw_version"] = version };
        if (!string.IsNullOrEmpty(supportUrl)) origin["support_url"] = supportUrl;
        return origin;
    }

    /// <summary>The daemon's availability topic: `online` on connect, `offline` on a clean stop and as its last will.</summary>
    static JsonObject Availability(Topics topics) => new()
    {
        ["availability_topic"] = topics.Availability, ["payload_available"] = "online", ["payload_not_available"] = "offline",
    };

    /// <summary>Home Assistant reads discovery topic levels of [a-zA-Z0-9_-] only.</summary>
    static string TopicLevel(string text) => NotTopicLevel().Replace(text, "_");

    [GeneratedRegex("[^a-zA-Z0-9_-]")]
    private static partial Regex NotTopicLevel();
}
