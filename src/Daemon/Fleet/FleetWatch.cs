using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SensorOdl.Daemon.Fleet;

/// <summary>
/// `fleet watch`: every device's availability, state changes and events as they happen, until cancelled (Ctrl-C). The
/// retained availability and status come first, as the starting point. Text lines (coloured on a terminal) or, with
/// --json, one object per line: a §3 event with `device` added, `{ts, device, type: "state", state, from}`, or
/// `{ts, device, type: "online" | "offline"}`; `retained: true` marks what the broker held from before.
/// </summary>
public sealed class FleetWatch(FleetClient client, TextWriter output, bool json, bool colour)
{
    readonly Dictionary<string, string> _availability = new(StringComparer.Ordinal);
    readonly Dictionary<string, string> _state = new(StringComparer.Ordinal);

    /// <param name="device">One device, or null for all.</param>
    public async Task RunAsync(string? device, CancellationToken cancellation)
    {
        string level = device ?? FleetTopics.AnyDevice;
        await client.SubscribeAsync(new[] { "availability", "status", "events" }.Select(leaf => client.Topics.Device(level, leaf)), cancellation);
        while (true)
        {
            FleetMessage? message = await client.NextAsync(TimeSpan.FromHours(1), cancellation);
            if (message is null || !client.Topics.TryParse(message.Topic, out string from, out string leaf)) continue;
            if (device is not null && from != device) continue;
            JsonObject? line = leaf switch
            {
                "availability" => Availability(from, message),
                "status" => State(from, message),
                "events" => message.Json is { } e ? Event(from, e) : null,
                _ => null,
            };
            if (line is null) continue;
            output.WriteLine(json ? line.ToJsonString(FleetJson.Options) : Text(line));
            output.Flush();
        }
    }

    JsonObject? Availability(string device, FleetMessage message)
    {
        string value = message.Text;
        if (value is not ("online" or "offline") || _availability.TryGetValue(device, out string? last) && last == value) return null;
        _availability[device] = value;
        return WithRetained(new JsonObject { ["ts"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ["device"] = device, ["type"] = value }, message);
    }

    JsonObject? State(string device, FleetMessage message)
    {
        if (message.Json is not { } status || DeviceView.Str(status, "state") is not { } state) return null;
        string? from = _state.GetValueOrDefault(device);
        if (from == state) return null;
        _state[device] = state;
        var line = new JsonObject
        {
            ["ts"] = DeviceView.Num(status, "ts") is double ts ? (long)ts : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["device"] = device, ["type"] = "state", ["state"] = state, ["from"] = from,
            ["model"] = status["model"] is JsonObject m ? new JsonObject { ["version"] = m["version"]?.DeepClone(), ["method"] = m["method"]?.DeepClone() } : null,
        };
        if (DeviceView.Progress(status) is { } progress) line["progress"] = progress;
        return WithRetained(line, message);
    }

    static JsonObject Event(string device, JsonObject e)
    {
        var line = new JsonObject { ["device"] = device };
        foreach ((string key, JsonNode? value) in e) line[key] = value?.DeepClone();
        return line;
    }

    static JsonObject WithRetained(JsonObject line, FleetMessage message)
    {
        if (message.Retain) line["retained"] = true;
        return line;
    }

    string Text(JsonObject line)
    {
        string type = DeviceView.Str(line, "type") ?? "?";
        string time = DeviceView.Num(line, "ts") is double ts ? DateTimeOffset.FromUnixTimeMilliseconds((long)ts).ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture) : "--:--:--";
        string device = DeviceView.Str(line, "device") ?? "?";
        string what = type switch
        {
            "online" or "offline" => type,
            "state" => $"state {DeviceView.Str(line, "state")}{(line["progress"] is JsonValue p ? $" ({p})" : "")}{(line["model"] is JsonObject m ? $", model v{m["version"]} {m["method"]}" : "")}",
            "model_promoted" => $"{type} v{line["version"]} (false alarms {DeviceFollower.Percent(DeviceView.Num(line["metrics"] as JsonObject, "falseAlarmsBefore"))} → {DeviceFollower.Percent(DeviceView.Num(line["metrics"] as JsonObject, "falseAlarmsAfter"))}){Fields(line, "job")}",
            _ => type + Fields(line, [.. line.Select(kv => kv.Key).Where(k => k is not ("seq" or "ts" or "type" or "device" or "retained"))]),
        };
        string code = type switch
        {
            "offline" or "anomaly" or "sensor_fault" or "training_failed" or "model_rejected" or "command_rejected" or "events_dropped" => Terminal.Red,
            "online" or "anomaly_cleared" or "sensor_recovered" or "model_promoted" or "model_rolled_back" => Terminal.Green,
            "drift_detected" or "drift_cleared" => Terminal.Yellow,
            "state" => Terminal.Cyan,
            _ => "0",
        };
        return $"{Terminal.Colour(Terminal.Dim, time, colour)}  {device}  {Terminal.Colour(code, what, colour)}";
    }

    /// <summary>` key=value …` of the scalar fields named (nested objects are left to --json).</summary>
    static string Fields(JsonObject line, params string[] keys)
    {
        var text = new StringBuilder();
        foreach (string key in keys)
        {
            if (line[key] is not JsonValue value) continue;
            string shown = value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
            text.Append(CultureInfo.InvariantCulture, $" {key}={shown}");
        }
        return text.ToString();
    }
}
