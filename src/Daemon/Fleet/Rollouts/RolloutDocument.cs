using System.Text.Json.Nodes;

namespace SensorOdl.Daemon.Fleet.Rollouts;

/// <summary>Per-device states of a rollout (docs/CONTRACT.md §3 Fleet rollouts).</summary>
public static class DeviceState
{
    public const string Queued = "queued", Running = "running", Succeeded = "succeeded", Failed = "failed", Rejected = "rejected",
        TimedOut = "timed_out", RolledBack = "rolled_back";
}

/// <summary>States of a rollout as a whole.</summary>
public static class RolloutState
{
    public const string Queued = "queued", Running = "running", Paused = "paused", Succeeded = "succeeded", Aborted = "aborted";
    public static bool Finished(string state) => state is Succeeded or Aborted;
}

/// <summary>
/// A rollout as kept in its retained topic `{p}/fleet/rollouts/{id}`: what it does (action, args, select, stages,
/// abortIf, minWaitSeconds, rate), where it is (stage, state, devices{id: state}, plan), each device's figures before it
/// and after its stage, and who wrote it last. Everything a second operator's tool needs to show or resume it.
/// </summary>
public sealed class RolloutDocument
{
    public required string Id { get; init; }
    public required string Action { get; init; }
    public required JsonObject Args { get; init; }
    public required string Select { get; init; }
    public required IReadOnlyList<double> Stages { get; init; }
    public required string AbortIf { get; init; }
    public required double MinWaitSeconds { get; init; }
    public required double Rate { get; init; }
    public required double TimeoutSeconds { get; init; }
    public required List<List<string>> Plan { get; init; }
    /// <summary>1-based: the stage running or last done; 0 before the first.</summary>
    public int Stage { get; set; }
    public string State { get; set; } = RolloutState.Queued;
    public SortedDictionary<string, string> Devices { get; init; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, DeviceFigures> Before { get; init; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, DeviceFigures> After { get; init; } = new(StringComparer.Ordinal);
    /// <summary>Why a device ended as it did (`rejected: …`, `probation: …`).</summary>
    public SortedDictionary<string, string> Notes { get; init; } = new(StringComparer.Ordinal);
    public string? Reason { get; set; }
    public long CreatedAt { get; init; }
    public long UpdatedAt { get; set; }
    public string? UpdatedBy { get; set; }

    public static string NewId() => $"ro-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";

    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["action"] = Action,
        ["args"] = Args.DeepClone(),
        ["select"] = Select,
        ["stages"] = new JsonArray([.. Stages.Select(s => (JsonNode)JsonValue.Create(s))]),
        ["abortIf"] = AbortIf,
        ["minWaitSeconds"] = MinWaitSeconds,
        ["rate"] = Rate,
        ["timeoutSeconds"] = TimeoutSeconds,
        ["stage"] = Stage,
        ["stageCount"] = Plan.Count,
        ["state"] = State,
        ["reason"] = Reason,
        ["devices"] = Object(Devices, s => JsonValue.Create(s)),
        ["plan"] = new JsonArray([.. Plan.Select(p => (JsonNode)new JsonArray([.. p.Select(d => (JsonNode)JsonValue.Create(d))]))]),
        ["before"] = Object(Before, f => f.ToJson()),
        ["after"] = Object(After, f => f.ToJson()),
        ["notes"] = Object(Notes, s => JsonValue.Create(s)),
        ["createdAt"] = CreatedAt,
        ["updatedAt"] = UpdatedAt,
        ["updatedBy"] = UpdatedBy,
    };

    static JsonObject Object<T>(SortedDictionary<string, T> map, Func<T, JsonNode?> value)
    {
        var o = new JsonObject();
        foreach ((string key, T v) in map) o[key] = value(v);
        return o;
    }

    /// <summary>A document as read back from the topic; null when it is not a rollout (another tool's payload, an empty one).</summary>
    public static RolloutDocument? FromJson(JsonObject? json)
    {
        if (json is null || DeviceView.Str(json, "id") is not { } id || DeviceView.Str(json, "action") is not { } action
            || json["plan"] is not JsonArray plan || json["devices"] is not JsonObject devices) return null;
        var document = new RolloutDocument
        {
            Id = id,
            Action = action,
            Args = json["args"] as JsonObject is { } args ? args.DeepClone().AsObject() : [],
            Select = DeviceView.Str(json, "select") ?? "",
            Stages = json["stages"] is JsonArray stages ? [.. stages.Select(s => s?.GetValue<double>() ?? 0)] : [],
            AbortIf = DeviceView.Str(json, "abortIf") ?? "",
            MinWaitSeconds = DeviceView.Num(json, "minWaitSeconds") ?? 0,
            Rate = DeviceView.Num(json, "rate") ?? 5,
            TimeoutSeconds = DeviceView.Num(json, "timeoutSeconds") ?? 1800,
            Plan = [.. plan.OfType<JsonArray>().Select(p => p.Select(d => d?.GetValue<string>() ?? "").Where(d => d.Length > 0).ToList())],
            Stage = DeviceView.Int(json, "stage") ?? 0,
            State = DeviceView.Str(json, "state") ?? RolloutState.Queued,
            Reason = DeviceView.Str(json, "reason"),
            CreatedAt = (long)(DeviceView.Num(json, "createdAt") ?? 0),
            UpdatedAt = (long)(DeviceView.Num(json, "updatedAt") ?? 0),
            UpdatedBy = DeviceView.Str(json, "updatedBy"),
        };
        foreach ((string device, JsonNode? state) in devices) document.Devices[device] = state?.GetValue<string>() ?? DeviceState.Queued;
        if (json["before"] is JsonObject before)
            foreach ((string device, JsonNode? f) in before) document.Before[device] = DeviceFigures.FromJson(f as JsonObject);
        if (json["after"] is JsonObject after)
            foreach ((string device, JsonNode? f) in after) document.After[device] = DeviceFigures.FromJson(f as JsonObject);
        if (json["notes"] is JsonObject notes)
            foreach ((string device, JsonNode? n) in notes) if (n?.GetValue<string>() is { } note) document.Notes[device] = note;
        return document;
    }

    /// <summary>The stage (1-based) a device belongs to, or 0.</summary>
    public int StageOf(string device)
    {
        for (int i = 0; i < Plan.Count; i++)
            if (Plan[i].Contains(device)) return i + 1;
        return 0;
    }

    /// <summary>`3 succeeded, 1 rejected, 6 queued`.</summary>
    public string Counts() => string.Join(", ", Devices.Values.GroupBy(s => s).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}"));
}
