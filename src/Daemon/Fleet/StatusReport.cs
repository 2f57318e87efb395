using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace SensorOdl.Daemon.Fleet;

/// <summary>`fleet status`: one row per device as a table, or as JSON `{devices: [...], answered}`.</summary>
public static class StatusReport
{
    public static JsonObject Json(FleetSnapshot snapshot) => new()
    {
        ["devices"] = new JsonArray([.. snapshot.Devices.Select(v => (JsonNode)v.ToRow())]),
        ["answered"] = snapshot.Asked ? snapshot.Answered : null,
    };

    public static string Table(FleetSnapshot snapshot, TimeSpan quiet)
    {
        string[] header = ["device", "online", "state", "model", "anomaly", "drift", "progress", "attention", "last seen"];
        List<string[]> rows = [.. snapshot.Devices.Select(Row)];
        int[] widths = [.. header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max())];
        var text = new StringBuilder();
        foreach (string[] row in rows.Prepend(header))
            text.AppendLine(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        if (rows.Count == 0) text.AppendLine("(no devices)");
        text.AppendLine(Summary(snapshot, quiet));
        return text.ToString();
    }

    static string[] Row(DeviceView v)
    {
        JsonObject? anomaly = v.Status?["anomaly"] as JsonObject, drift = v.Status?["drift"] as JsonObject;
        return
        [
            v.Device,
            v.Online switch { true => "yes", false => "no", null => "?" },
            v.State ?? "-",
            v.ModelVersion is int version ? $"v{version} {v.ModelMethod}".TrimEnd() : "-",
            anomaly is null ? "-" : $"{YesNo(DeviceView.Bool(anomaly, "active"))} {Number(DeviceView.Num(anomaly, "score"))}",
            drift is null ? "-" : $"{YesNo(DeviceView.Bool(drift, "detected"))} {Number(DeviceView.Num(drift, "statistic"))}",
            DeviceView.Progress(v.Status) ?? (v.Refusal is { } refusal ? $"refused: {refusal.Split(':')[0]}" : "-"),
            v.Status?["attention"] is JsonObject attention && DeviceView.Str(attention, "code") is { } code ? code : "-",
            v.LastSeen is long seen ? FleetTarget.Age(seen) : "-",
        ];
    }

    static string YesNo(bool? value) => value switch { true => "yes", false => "no", null => "?" };

    static string Number(double? value) => value is double d ? d.ToString("0.###", CultureInfo.InvariantCulture) : "?";

    static string Summary(FleetSnapshot snapshot, TimeSpan quiet)
    {
        int online = snapshot.Devices.Count(v => v.Online == true);
        string text = $"{snapshot.Devices.Count} device{(snapshot.Devices.Count == 1 ? "" : "s")}, {online} online";
        if (!snapshot.Asked) return text + " (retained state).";
        text += $"; {snapshot.Answered} answered a live status request (quiet period {quiet.TotalSeconds:0.#} s)";
        List<DeviceView> refused = [.. snapshot.Devices.Where(v => v.Refusal is not null)];
        if (refused.Count > 0) text += $"; {refused.Count} refused it ({refused[0].Refusal}{(refused[0].Refusal!.StartsWith("unauthorized", StringComparison.Ordinal) ? " — pass --key-file" : "")})";
        return text + ".";
    }
}
