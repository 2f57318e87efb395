using System.Globalization;
using System.Text.Json.Nodes;
using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Learning.FineTuning;

namespace SensorOdl.Daemon.Mqtt;

/// <summary>The command verbs themselves (docs/CONTRACT.md §3): each checks its arguments, acts, and returns the reply's result.</summary>
public sealed class CommandHandlers(
    LiveSettings settings,
    DaemonStatus status,
    ModelRegistry registry,
    SampleStore samples,
    IEventSink events,
    ActiveModel activeModel,
    AdaptationCoordinator adaptation,
    Func<double> dataClockS,
    TimeProvider time)
{
    long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The `deploy` command (pushed base models); without it `deploy` is an unknown command.</summary>
    public DeployHandler? Deploy { get; init; }

    public async Task<JsonNode> ExecuteAsync(string command, JsonObject args) => command switch
    {
        "status" => Status(args),
        "retrain" => Retrain(args),
        "rollback" => Rollback(args),
        "promote" => Promote(args),
        "discard" => Discard(args),
        "label" => await Label(args),
        "pause" => Pause(args, true),
        "resume" => Pause(args, false),
        "set" => Set(args),
        "deploy" when Deploy is not null => Deploy.Execute(args),
        _ => throw new CommandError("unknown_command", $"unknown command '{command}'; use status, retrain, rollback, promote, discard, label, pause, resume{(Deploy is null ? " or set" : ", set or deploy")}"),
    };

    JsonNode Retrain(JsonObject args)
    {
        Only(args, "method", "epochs", "samples");
        string? method = OptionalString(args, "method");
        if (method is not null && !FineTuneMethods.IsKnown(method)) throw CommandError.BadArgs($"'method' must be one of {string.Join(", ", FineTuneMethods.Names)}");
        int? epochs = OptionalInt(args, "epochs", 1, 1000);
        int? count = OptionalInt(args, "samples", 16, settings.Current.Storage.SampleCapacity);
        (string? job, RetrainRefusal refusal) = adaptation.RequestRetrain(method, epochs, count, dataClockS());
        return refusal switch
        {
            RetrainRefusal.Busy => throw new CommandError("busy", "a retrain is already running"),
            RetrainRefusal.RateLimited => throw new CommandError("rate_limited", $"at most one retrain per {settings.Current.Adaptation.MinIntervalMinutes} minutes (Adaptation:MinIntervalMinutes)"),
            _ => new JsonObject { ["job"] = job },
        };
    }

    JsonNode Rollback(JsonObject args)
    {
        Only(args, "version");
        int version = OptionalInt(args, "version", 1, int.MaxValue) ?? throw CommandError.BadArgs("'version' is required");
        ModelVersionRecord record = registry.Get(version) is { Retired: false } r ? r : throw new CommandError("not_found", $"there is no model version {version}");
        if (status.Activity is DaemonState.Training or DaemonState.Validating) throw new CommandError("busy", "a retrain is running; roll back when it ends");
        int from = activeModel.Current.Info.Version;
        var model = registry.Load(record, new FineTuneOptions());
        registry.Activate(version);
        activeModel.Activate(model, ModelInfo.Of(record));
        adaptation.ResetEpisode();
        events.Emit("model_rolled_back", NowMs, new JsonObject
        {
            ["version"] = version, ["fromVersion"] = from, ["toVersion"] = version, ["id"] = record.Id, ["reason"] = "rollback command",
        });
        return new JsonObject { ["version"] = version, ["fromVersion"] = from };
    }

    JsonNode Promote(JsonObject args)
    {
        Only(args, "version");
        int? version = OptionalInt(args, "version", 1, int.MaxValue);
        int from = activeModel.Current.Info.Version;
        PendingCandidate candidate = adaptation.PromotePending(version) ?? throw NoCandidate(version);
        return new JsonObject { ["version"] = candidate.Version, ["fromVersion"] = from, ["job"] = candidate.Job };
    }

    JsonNode Discard(JsonObject args)
    {
        Only(args, "version");
        int? version = OptionalInt(args, "version", 1, int.MaxValue);
        PendingCandidate candidate = adaptation.DiscardPending(version) ?? throw NoCandidate(version);
        return new JsonObject { ["version"] = candidate.Version, ["job"] = candidate.Job };
    }

    CommandError NoCandidate(int? version) => adaptation.Pending is { } pending && version is int v
        ? new CommandError("no_candidate", $"version {v} is not the pending candidate (version {pending.Version} is)")
        : new CommandError("no_candidate", settings.Current.Adaptation.Mode == AdaptationMode.Confirm
            ? "no candidate is pending"
            : "no candidate is pending (candidates wait for promote only with Adaptation:Mode=confirm)");

    async Task<JsonNode> Label(JsonObject args)
    {
        Only(args, "from", "to", "label");
        long from = OptionalLong(args, "from") ?? throw CommandError.BadArgs("'from' (ms) is required");
        long to = OptionalLong(args, "to") ?? throw CommandError.BadArgs("'to' (ms) is required");
        if (to < from) throw CommandError.BadArgs("'to' is before 'from'");
        string label = OptionalString(args, "label") ?? throw CommandError.BadArgs("'label' is required");
        if (label is not ("fault" or "normal")) throw CommandError.BadArgs("'label' must be fault or normal");
        int count = await samples.LabelAsync(from, to, label);
        return new JsonObject { ["labelled"] = count, ["label"] = label, ["from"] = from, ["to"] = to };
    }

    JsonNode Status(JsonObject args)
    {
        Only(args);
        return status.ToJson(NowMs);
    }

    JsonNode Pause(JsonObject args, bool paused)
    {
        Only(args);
        status.SetPaused(paused);
        return new JsonObject { ["state"] = status.State.ToWire() };
    }

    JsonNode Set(JsonObject args)
    {
        Only(args, "key", "value");
        string key = OptionalString(args, "key") ?? throw CommandError.BadArgs("'key' is required");
        JsonNode value = args["value"] ?? throw CommandError.BadArgs("'value' is required");
        switch (key)
        {
            case "Adaptation:Mode":
                AdaptationMode mode = value is JsonValue v && v.TryGetValue(out string? m) && m is "auto" or "confirm" or "off"
                    ? Enum.Parse<AdaptationMode>(m, ignoreCase: true)
                    : throw CommandError.BadArgs("Adaptation:Mode must be auto, confirm or off");
                settings.Update(s => s with { Adaptation = s.Adaptation with { Mode = mode } });
                break;
            case "Anomaly:FalseAlarmBudget":
                double budget = Number(value, key);
                if (!(budget > 0 && budget < 0.5)) throw CommandError.BadArgs("Anomaly:FalseAlarmBudget must be between 0 and 0.5");
                settings.Update(s => s with { Anomaly = s.Anomaly with { FalseAlarmBudget = budget } });
                break;
            case "Mqtt:TelemetryIntervalSeconds":
                double interval = Number(value, key);
                if (!(interval >= 0) || double.IsInfinity(interval)) throw CommandError.BadArgs("Mqtt:TelemetryIntervalSeconds must be 0 or more");
                settings.Update(s => s with { Mqtt = s.Mqtt with { TelemetryIntervalSeconds = interval } });
                break;
            default:
                throw CommandError.BadArgs($"'{key}' cannot be set; use Adaptation:Mode, Anomaly:FalseAlarmBudget or Mqtt:TelemetryIntervalSeconds");
        }
        return new JsonObject { ["key"] = key, ["value"] = value.DeepClone() };
    }

    internal static void Only(JsonObject args, params string[] allowed)
    {
        string? extra = args.Select(kv => kv.Key).FirstOrDefault(k => !allowed.Contains(k));
        if (extra is not null) throw CommandError.BadArgs($"unknown argument '{extra}'");
    }

    internal static string? OptionalString(JsonObject args, string key) => args[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        _ => throw CommandError.BadArgs($"'{key}' must be a string"),
    };

    internal static long? OptionalLong(JsonObject args, string key) => args[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out long l) => l,
        JsonValue v when v.TryGetValue(out double d) && d == Math.Floor(d) && Math.Abs(d) < 9e15 => (long)d,
        _ => throw CommandError.BadArgs($"'{key}' must be a whole number"),
    };

    internal static int? OptionalInt(JsonObject args, string key, int min, int max)
    {
        long? value = OptionalLong(args, key);
        if (value is null) return null;
        if (value < min || value > max) throw CommandError.BadArgs($"'{key}' must be from {min} to {max}");
        return (int)value;
    }

    static double Number(JsonNode value, string key) =>
        value is JsonValue v && v.TryGetValue(out double d) ? d
        : value is JsonValue s && s.TryGetValue(out string? text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) ? parsed
        : throw CommandError.BadArgs($"{key} needs a number");
}
