using System.Text.Json.Nodes;

namespace SensorOdl.Daemon.Mqtt.HomeAssistant;

/// <summary>
/// The short keys of Home Assistant's MQTT discovery (homeassistant/components/mqtt/abbreviations.py) for the options
/// this daemon uses; keys without a long-standing abbreviation stay in full, which Home Assistant always accepts.
/// </summary>
public static class HomeAssistantAbbreviations
{
    public static readonly IReadOnlyDictionary<string, string> Options = new Dictionary<string, string>
    {
        ["availability_topic"] = "avty_t",
        ["command_template"] = "cmd_tpl",
        ["command_topic"] = "cmd_t",
        ["device_class"] = "dev_cla",
        ["entity_category"] = "ent_cat",
        ["expire_after"] = "exp_aft",
        ["icon"] = "ic",
        ["json_attributes_template"] = "json_attr_tpl",
        ["json_attributes_topic"] = "json_attr_t",
        ["object_id"] = "obj_id",
        ["options"] = "ops",
        ["payload_available"] = "pl_avail",
        ["payload_not_available"] = "pl_not_avail",
        ["payload_press"] = "pl_prs",
        ["state_class"] = "stat_cla",
        ["state_topic"] = "stat_t",
        ["unique_id"] = "uniq_id",
        ["unit_of_measurement"] = "unit_of_meas",
        ["value_template"] = "val_tpl",
    };

    public static readonly IReadOnlyDictionary<string, string> DeviceKeys = new Dictionary<string, string>
    {
        ["identifiers"] = "ids", ["manufacturer"] = "mf", ["model"] = "mdl", ["sw_version"] = "sw",
    };

    public static readonly IReadOnlyDictionary<string, string> OriginKeys = new Dictionary<string, string>
    {
        ["sw_version"] = "sw", ["support_url"] = "url",
    };

    public static JsonObject Abbreviate(JsonObject options) => Rename(options, Options);
    public static JsonObject AbbreviateDevice(JsonObject device) => Rename(device, DeviceKeys);
    public static JsonObject AbbreviateOrigin(JsonObject origin) => Rename(origin, OriginKeys);

    static JsonObject Rename(JsonObject source, IReadOnlyDictionary<string, string> map)
    {
        var result = new JsonObject();
        foreach ((string key, JsonNode? value) in source) result[map.GetValueOrDefault(key, key)] = value?.DeepClone();
        return result;
    }
}
