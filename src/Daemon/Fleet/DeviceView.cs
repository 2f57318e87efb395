using System.Text.Json;
using System.Text.Json.Nodes;

namespace SensorOdl.Daemon.Fleet;

/// <summary>
/// What the fleet tool knows about one device: its retained availability, status and model (docs/CONTRACT.md §3) and,
/// when it was asked, its live answer to a `status` command (which wins over the retained status: it is newer).
/// </summary>
public sealed class DeviceView(string device)
{
    public string Device { get; } = device;
    public string? Availability { get; private set; }
    public JsonObject? Status { get; private set; }
    public JsonObject? Model { get; private set; }
    /// <summary>It answered the live `status` command (ok or not).</summary>
    public bool Answered { get; private set; }
    /// <summary>Its refusal of the live `status` command (`code: message`), e.g. unauthorized without a key.</summary>
    public string? Refusal { get; private set; }

    /// <summary>true or false from availability (or a live answer); null when nothing says.</summary>
    public bool? Online => Answered ? true : Availability switch { "online" => true, "offline" => false, _ => null };

    /// <summary>Unix ms of its newest status (retained or live), or null.</summary>
    public long? LastSeen => Num(Status, "ts") is double ms ? (long)ms : null;

    /// <summary>A retained (or live-published) message on one of its topics; false when the leaf is not one the view keeps.</summary>
    public bool Apply(string leaf, FleetMessage message)
    {
        switch (leaf)
        {
            case "availability":
                Availability = message.Text;
                return true;
            case "status" when message.Json is { } status && !(Answered && IsOlder(status)):
                Status = status;
                return true;
            case "model" when message.Json is { } model:
                Model = model;
                return true;
            default:
                return false;
        }
    }

    /// <summary>Its reply to the live `status` command.</summary>
    public void Answer(JsonObject reply)
    {
        Answered = true;
        if (reply["ok"] is JsonValue ok && ok.TryGetValue(out bool success) && success && reply["result"] is JsonObject status)
        {
            Status = status.DeepClone().AsObject();
            Refusal = null;
        }
        else Refusal = FleetReply.Error(reply);
    }

    bool IsOlder(JsonObject status) =>
        Num(status, "ts") is double ts && LastSeen is long seen && ts < seen;

    public string? State => Str(Status, "state");
    public int? ModelVersion => Int(Status?["model"] as JsonObject, "version") ?? Int(Model, "version");
    public string? ModelMethod => Str(Status?["model"] as JsonObject, "method") ?? Str(Model, "method");

    /// <summary>
    /// What `--select` filters: the status object with `device`, `online`, and `model` = the retained model object
    /// overlaid with the status's own (newer) `model` fields.
    /// </summary>
    public JsonElement SelectionDocument()
    {
        JsonObject document = Status?.DeepClone().AsObject() ?? [];
        var model = Model?.DeepClone().AsObject() ?? [];
        if (Status?["model"] is JsonObject statusModel)
            foreach ((string key, JsonNode? value) in statusModel) model[key] = value?.DeepClone();
        document["model"] = model.Count == 0 ? null : model;
        document["device"] = Device;
        document["online"] = Online;
        return JsonSerializer.SerializeToElement(document, SensorOdl.Daemon.Cli.NodeJson.Default.JsonObject);
    }

    /// <summary>One row of `fleet status --json`.</summary>
    public JsonObject ToRow() => new()
    {
        ["device"] = Device,
        ["online"] = Online,
        ["state"] = State,
        ["model"] = ModelVersion is null && ModelMethod is null ? null : new JsonObject { ["version"] = ModelVersion, ["method"] = ModelMethod },
        ["anomaly"] = Status?["anomaly"] is JsonObject a ? new JsonObject { ["active"] = a["active"]?.DeepClone(), ["score"] = a["score"]?.DeepClone() } : null,
        ["drift"] = Status?["drift"] is JsonObject d ? new JsonObject { ["detected"] = d["detected"]?.DeepClone(), ["statistic"] = d["statistic"]?.DeepClone() } : null,
        ["collecting"] = Status?["collecting"]?.DeepClone(),
        ["training"] = Status?["training"]?.DeepClone(),
        ["attention"] = Status?["attention"]?.DeepClone(),
        ["lastSeen"] = LastSeen,
        ["answered"] = Answered,
        ["refusal"] = Refusal,
    };

    /// <summary>The adaptation job's progress as one phrase (`collecting 40/120 windows`, `training epoch 3/30`, `validating`), else null.</summary>
    public static string? Progress(JsonObject? status)
    {
        string? state = Str(status, "state");
        if (status?["collecting"] is JsonObject c && Int(c, "collected") is int collected && Int(c, "wanted") is int wanted)
            return $"collecting {collected}/{wanted} windows";
        if (status?["training"] is JsonObject t && Int(t, "epoch") is int epoch && Int(t, "epochs") is int epochs)
            return $"training epoch {epoch}/{epochs}";
        return state switch
        {
            "collecting" => "collecting windows",
            "training" => "training",
            "validating" => "validating",
            _ => null,
        };
    }

    internal static string? Str(JsonObject? o, string key) => o?[key] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    internal static int? Int(JsonObject? o, string key) => Num(o, key) is double d && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue ? (int)d : null;

    /// <summary>A number, whether the node was parsed from JSON or built here from a long, int or double.</summary>
    internal static double? Num(JsonObject? o, string key) => o?[key] is JsonValue v
        ? v.TryGetValue(out double d) ? d : v.TryGetValue(out long l) ? l : v.TryGetValue(out int i) ? i : null
        : null;

    internal static bool? Bool(JsonObject? o, string key) => o?[key] is JsonValue v && v.TryGetValue(out bool b) ? b : null;
}

/// <summary>Reading a command reply (docs/CONTRACT.md §3).</summary>
public static class FleetReply
{
    public static bool Ok(JsonObject reply) => reply["ok"] is JsonValue v && v.TryGetValue(out bool ok) && ok;

    /// <summary>`code: message` of a refused command.</summary>
    public static string Error(JsonObject reply)
    {
        JsonObject? error = reply["error"] as JsonObject;
        return $"{DeviceView.Str(error, "code") ?? "error"}: {DeviceView.Str(error, "message") ?? reply.ToJsonString()}";
    }
}
