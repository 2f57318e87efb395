using System.Text.Json.Nodes;

namespace SensorOdl.Daemon.Tests.HomeAssistant;

/// <summary>
/// What Home Assistant's MQTT integration documents and checks for the platforms the daemon uses
/// (homeassistant/components/mqtt/{abbreviations,discovery,schemas,sensor,binary_sensor,button,select,update}.py and
/// the entity/sensor constants), written down here independently of the daemon's code: the abbreviation tables, how a
/// device-based config is expanded into per-component configs, and each platform's keys.
/// </summary>
public static class HomeAssistantSchema
{
    /// <summary>abbreviations.py ABBREVIATIONS (the entries near the keys a sensor daemon may use).</summary>
    public static readonly IReadOnlyDictionary<string, string> Abbreviations = new Dictionary<string, string>
    {
        ["act_t"] = "action_topic", ["avty"] = "availability", ["avty_mode"] = "availability_mode", ["avty_t"] = "availability_topic",
        ["avty_tpl"] = "availability_template", ["cmd_t"] = "command_topic", ["cmd_tpl"] = "command_template", ["cmps"] = "components",
        ["def_ent_id"] = "default_entity_id", ["dev"] = "device", ["dev_cla"] = "device_class", ["dsp_prc"] = "display_precision",
        ["e"] = "encoding", ["en"] = "enabled_by_default", ["ent_cat"] = "entity_category", ["ent_pic"] = "entity_picture",
        ["exp_aft"] = "expire_after", ["frc_upd"] = "force_update", ["ic"] = "icon", ["json_attr"] = "json_attributes",
        ["json_attr_t"] = "json_attributes_topic", ["json_attr_tpl"] = "json_attributes_template", ["l_ver_t"] = "latest_version_topic",
        ["l_ver_tpl"] = "latest_version_template", ["lrst_t"] = "last_reset_topic", ["lrst_val_tpl"] = "last_reset_value_template",
        ["migr_discvry"] = "migrate_discovery", ["name"] = "name", ["o"] = "origin", ["obj_id"] = "object_id", ["off_dly"] = "off_delay",
        ["ops"] = "options", ["opt"] = "optimistic", ["p"] = "platform", ["pl"] = "payload", ["pl_avail"] = "payload_available",
        ["pl_inst"] = "payload_install", ["pl_not_avail"] = "payload_not_available", ["pl_off"] = "payload_off", ["pl_on"] = "payload_on",
        ["pl_prs"] = "payload_press", ["qos"] = "qos", ["rel_s"] = "release_summary", ["rel_u"] = "release_url", ["ret"] = "retain",
        ["stat_cla"] = "state_class", ["stat_off"] = "state_off", ["stat_on"] = "state_on", ["stat_t"] = "state_topic",
        ["stat_tpl"] = "state_template", ["stat_val_tpl"] = "state_value_template", ["sug_dsp_prc"] = "suggested_display_precision",
        ["t"] = "topic", ["tit"] = "title", ["uniq_id"] = "unique_id", ["unit_of_meas"] = "unit_of_measurement", ["val_tpl"] = "value_template",
    };

    /// <summary>DEVICE_ABBREVIATIONS and ORIGIN_ABBREVIATIONS.</summary>
    public static readonly IReadOnlyDictionary<string, string> DeviceAbbreviations = new Dictionary<string, string>
    {
        ["cns"] = "connections", ["cu"] = "configuration_url", ["ids"] = "identifiers", ["name"] = "name", ["mf"] = "manufacturer",
        ["mdl"] = "model", ["mdl_id"] = "model_id", ["hw"] = "hw_version", ["sw"] = "sw_version", ["sa"] = "suggested_area", ["sn"] = "serial_number",
    };
    public static readonly IReadOnlyDictionary<string, string> OriginAbbreviations = new Dictionary<string, string>
    {
        ["name"] = "name", ["sw"] = "sw_version", ["url"] = "support_url",
    };

    /// <summary>schemas.py SHARED_OPTIONS: inherited from the device config by a component that does not set them.</summary>
    public static readonly string[] SharedOptions =
        ["availability", "availability_mode", "availability_template", "availability_topic", "command_topic", "encoding",
         "payload_available", "payload_not_available", "state_topic", "qos"];

    static readonly string[] Common =
        ["availability", "availability_mode", "availability_template", "availability_topic", "payload_available", "payload_not_available",
         "device", "origin", "enabled_by_default", "entity_category", "entity_picture", "icon", "json_attributes_topic",
         "json_attributes_template", "name", "object_id", "default_entity_id", "unique_id", "encoding", "qos"];

    public sealed record Platform(string[] Required, string[] Optional, string[]? DeviceClasses);

    public static readonly IReadOnlyDictionary<string, Platform> Platforms = new Dictionary<string, Platform>
    {
        ["sensor"] = new(["state_topic"],
            ["value_template", "device_class", "expire_after", "force_update", "last_reset_value_template", "state_class",
             "unit_of_measurement", "suggested_display_precision", "options"],
            ["absolute_humidity", "apparent_power", "aqi", "area", "atmospheric_pressure", "battery", "blood_glucose_concentration",
             "carbon_dioxide", "carbon_monoxide", "conductivity", "current", "data_rate", "data_size", "date", "distance", "duration",
             "energy", "energy_distance", "energy_storage", "enum", "frequency", "gas", "humidity", "illuminance", "irradiance",
             "moisture", "monetary", "nitrogen_dioxide", "nitrogen_monoxide", "nitrous_oxide", "ozone", "ph", "pm1", "pm10", "pm25",
             "power_factor", "power", "precipitation", "precipitation_intensity", "pressure", "reactive_energy", "reactive_power",
             "signal_strength", "sound_pressure", "speed", "sulphur_dioxide", "temperature", "timestamp", "volatile_organic_compounds",
             "volatile_organic_compounds_parts", "voltage", "volume", "volume_flow_rate", "volume_storage", "water", "weight",
             "wind_direction", "wind_speed"]),
        ["binary_sensor"] = new(["state_topic"],
            ["value_template", "device_class", "expire_after", "force_update", "off_delay", "payload_on", "payload_off"],
            ["battery", "battery_charging", "carbon_monoxide", "cold", "connectivity", "door", "garage_door", "gas", "heat", "light",
             "lock", "moisture", "motion", "moving", "occupancy", "opening", "plug", "power", "presence", "problem", "running", "safety",
             "smoke", "sound", "tamper", "update", "vibration", "window"]),
        ["button"] = new(["command_topic"], ["command_template", "payload_press", "retain", "device_class"], ["identify", "restart", "update"]),
        ["select"] = new(["command_topic", "options"], ["command_template", "state_topic", "value_template", "optimistic", "retain"], null),
        ["update"] = new([],
            ["state_topic", "command_topic", "payload_install", "value_template", "latest_version_topic", "latest_version_template",
             "release_summary", "release_url", "title", "device_class", "entity_picture", "retain", "display_precision"],
            ["firmware"]),
    };

    public static readonly string[] StateClasses = ["measurement", "measurement_angle", "total", "total_increasing"];
    public static readonly string[] EntityCategories = ["config", "diagnostic"];

    /// <summary>Units the sensor integration accepts for the device classes with a fixed set.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Units = new Dictionary<string, string[]>
    {
        ["temperature"] = ["°C", "°F", "K"],
        ["humidity"] = ["%"],
        ["atmospheric_pressure"] = ["cbar", "bar", "hPa", "mmHg", "inHg", "kPa", "mbar", "Pa", "psi"],
    };

    static JsonObject Expand(JsonObject source, IReadOnlyDictionary<string, string> table)
    {
        var result = new JsonObject();
        foreach ((string key, JsonNode? value) in source)
        {
            string full = table.GetValueOrDefault(key, key);
            Assert.False(result.ContainsKey(full), $"'{key}' expands to '{full}', which the config already has");
            result[full] = value?.DeepClone();
        }
        return result;
    }

    /// <summary>discovery.py for a per-entity config: options, availability entries, device and origin expanded.</summary>
    public static JsonObject ExpandEntity(JsonObject config)
    {
        JsonObject expanded = Expand(config, Abbreviations);
        if (expanded["device"] is JsonObject device) expanded["device"] = Expand(device, DeviceAbbreviations);
        if (expanded["origin"] is JsonObject origin) expanded["origin"] = Expand(origin, OriginAbbreviations);
        return expanded;
    }

    /// <summary>discovery.py for a device-based config: one (platform, object id, config) per component, with device, origin and the shared options merged in.</summary>
    public static IReadOnlyList<(string Platform, string ObjectId, JsonObject Config)> ExpandDevice(JsonObject config)
    {
        JsonObject top = Expand(config, Abbreviations);
        JsonObject device = Expand(Assert.IsType<JsonObject>(top["device"]), DeviceAbbreviations);
        JsonObject origin = Expand(Assert.IsType<JsonObject>(top["origin"]), OriginAbbreviations);
        JsonObject components = Assert.IsType<JsonObject>(top["components"]);
        List<(string, string, JsonObject)> result = [];
        foreach ((string id, JsonNode? node) in components)
        {
            JsonObject component = Expand(Assert.IsType<JsonObject>(node), Abbreviations);
            string platform = component["platform"]!.GetValue<string>();
            component.Remove("platform");
            component["device"] = device.DeepClone();
            component["origin"] = origin.DeepClone();
            foreach (string shared in SharedOptions)
                if (top.ContainsKey(shared) && !component.ContainsKey(shared)) component[shared] = top[shared]?.DeepClone();
            result.Add((platform, id, component));
        }
        return result;
    }

    /// <summary>The checks of each platform's voluptuous schema that the daemon's configs can meet or miss; returns the problems.</summary>
    public static IReadOnlyList<string> Problems(string platform, JsonObject config)
    {
        List<string> problems = [];
        if (!Platforms.TryGetValue(platform, out Platform? schema)) return [$"platform '{platform}' is not one the daemon should use"];
        foreach (string key in schema.Required)
            if (config[key] is null) problems.Add($"{platform}: '{key}' is required");
        foreach ((string key, _) in config)
            if (!Common.Contains(key) && !schema.Required.Contains(key) && !schema.Optional.Contains(key)) problems.Add($"{platform}: '{key}' is not an option of this platform (a wrong abbreviation?)");
        string? Str(string key) => config[key] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
        if (Str("device_class") is { } deviceClass && (schema.DeviceClasses is null || !schema.DeviceClasses.Contains(deviceClass)))
            problems.Add($"{platform}: device_class '{deviceClass}' is not allowed");
        if (Str("state_class") is { } stateClass && !StateClasses.Contains(stateClass)) problems.Add($"{platform}: state_class '{stateClass}' is not allowed");
        if (Str("entity_category") is { } category && !EntityCategories.Contains(category)) problems.Add($"{platform}: entity_category '{category}' is not allowed");
        if (config["expire_after"] is { } expire && !(expire.GetValueKind() == System.Text.Json.JsonValueKind.Number && expire.GetValue<int>() > 0))
            problems.Add($"{platform}: expire_after must be a positive whole number");
        foreach ((string key, JsonNode? value) in config)
            if (key.EndsWith("_topic", StringComparison.Ordinal) && (value is not JsonValue || Str(key) is not { Length: > 0 } topic || topic.IndexOfAny(['+', '#']) >= 0))
                problems.Add($"{platform}: '{key}' must be a topic without wildcards");
        if (Str("unique_id") is not { Length: > 0 }) problems.Add($"{platform}: every entity needs a unique_id (history and the entity registry hang on it)");
        if (config["device"] is not JsonObject device || device["identifiers"] is null && device["connections"] is null)
            problems.Add($"{platform}: the device block needs identifiers");
        if (config["origin"] is JsonObject origin && origin["name"] is null) problems.Add($"{platform}: origin needs a name");
        if (platform == "sensor")
        {
            if (Str("device_class") == "enum")
            {
                if (config["options"] is not JsonArray { Count: > 0 }) problems.Add("sensor: an enum sensor needs options");
                if (config["state_class"] is not null || config["unit_of_measurement"] is not null) problems.Add("sensor: an enum sensor has no state_class or unit");
            }
            else if (config["options"] is not null) problems.Add("sensor: options only with device_class enum");
            if (Str("device_class") is { } dc && Units.TryGetValue(dc, out string[]? units) && !units.Contains(Str("unit_of_measurement")))
                problems.Add($"sensor: unit '{Str("unit_of_measurement")}' is not one of {dc}'s");
        }
        if (platform == "select" && config["options"] is JsonArray options &&
            (options.Any(o => o is not JsonValue v || !v.TryGetValue(out string? _)) || options.Select(o => o!.ToJsonString()).Distinct().Count() != options.Count))
            problems.Add("select: options must be distinct strings");
        if (platform == "update" && config["payload_install"] is not null && config["command_topic"] is null)
            problems.Add("update: payload_install without command_topic installs nothing");
        return problems;
    }
}
