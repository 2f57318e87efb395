using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MQTTnet;
using MQTTnet.Packets;
using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Learning.FineTuning;

namespace SensorOdl.Daemon.Mqtt;

/// <summary>
/// Operator commands (CONTRACT §3): parse, authenticate (HMAC-SHA256 in the user property `sig`, ±5 min,
/// ids not seen in 24 h), execute, and reply — on the MQTT 5 response topic with its correlation data, else on
/// {p}/{id}/reply — through the durable outbound queue. Every refusal also raises `command_rejected`.
/// </summary>
public sealed partial class CommandProcessor(
    DaemonSettings settings,
    Topics topics,
    EventLog events,
    IEventSink eventSink,
    CommandHandlers handlers,
    SeenCommands seen,
    byte[]? commandKey)
{
    public const int MaxPayloadBytes = 64 * 1024;
    static readonly TimeSpan ClockWindow = TimeSpan.FromMinutes(5);

    public Func<long> WallClockMs { get; init; } = () => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public async Task HandleAsync(MqttApplicationMessage message)
    {
        long now = WallClockMs();
        string replyTopic = string.IsNullOrEmpty(message.ResponseTopic) ? topics.Reply : message.ResponseTopic;
        byte[]? correlation = message.CorrelationData is { Length: > 0 } c ? c : null;
        string? id = null;
        string? command = null;
        try
        {
            long length = message.Payload.Length;
            id = RecoverId(message.Payload.Slice(0, Math.Min(length, MaxPayloadBytes)).ToArray());
            if (length > MaxPayloadBytes) throw new CommandError("bad_json", $"command payload of {length} bytes is over the {MaxPayloadBytes}-byte limit");
            byte[] payload = message.Payload.ToArray();
            bool button = settings.Security.AllowUnsignedButton && payload.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(HomeAssistantDiscovery.ButtonPayload));
            if (commandKey is not null && !button) CheckSignature(message, payload);

            JsonObject request = Parse(payload);
            id = request["id"] is JsonValue idValue && idValue.TryGetValue(out string? s) ? s : throw CommandError.BadArgs("'id' must be a string");
            if (id.Length is 0 or > 128) throw CommandError.BadArgs("'id' must be 1 to 128 characters");
            command = request["command"] is JsonValue cv && cv.TryGetValue(out string? name) ? name : throw CommandError.BadArgs("'command' must be a string");
            JsonObject args = request["args"] switch
            {
                null => [],
                JsonObject o => o,
                _ => throw CommandError.BadArgs("'args' must be an object"),
            };
            if (commandKey is not null && !button) CheckFreshness(request, id, now);

            JsonNode result = await handlers.ExecuteAsync(command, args);
            await Reply(replyTopic, correlation, new JsonObject { ["id"] = id, ["device"] = topics.Device, ["ok"] = true, ["result"] = result }, now);
        }
        catch (Exception e)
        {
            CommandError error = e as CommandError ?? new CommandError("internal", $"the command failed: {e.Message}");
            eventSink.Emit("command_rejected", now, new JsonObject { ["id"] = id, ["command"] = command, ["code"] = error.Code, ["message"] = error.Message });
            // A reply needs somewhere to go and something to correlate with.
            if (id is not null || correlation is not null || !string.IsNullOrEmpty(message.ResponseTopic))
                await Reply(replyTopic, correlation, new JsonObject
                {
                    ["id"] = id, ["device"] = topics.Device, ["ok"] = false,
                    ["error"] = new JsonObject { ["code"] = error.Code, ["message"] = error.Message },
                }, now);
        }
    }

    Task Reply(string topic, byte[]? correlation, JsonObject reply, long now) =>
        events.EnqueueReplyAsync(topic, reply.ToJsonString(), correlation, now);

    static JsonObject Parse(byte[] payload)
    {
        try
        {
            return JsonNode.Parse(payload) as JsonObject ?? throw new CommandError("bad_json", "the command is not a JSON object");
        }
        catch (JsonException e) { throw new CommandError("bad_json", $"the command is not valid JSON ({e.Message.Split('.')[0]})"); }
        catch (ArgumentException) { throw new CommandError("bad_json", "the command is not valid UTF-8 JSON"); }
    }

    void CheckSignature(MqttApplicationMessage message, byte[] payload)
    {
        MqttUserProperty? property = message.UserProperties?.FirstOrDefault(p => p.Name == "sig");
        if (property is null) throw new CommandError("unauthorized", "commands must be signed: user property 'sig' is missing");
        string given = property.ReadValueAsString();
        string expected = Convert.ToHexStringLower(HMACSHA256.HashData(commandKey!, payload));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(given), Encoding.ASCII.GetBytes(expected)))
            throw new CommandError("unauthorized", "the signature does not match the payload");
    }

    void CheckFreshness(JsonObject request, string id, long now)
    {
        if (request["ts"] is not JsonValue tsValue || !tsValue.TryGetValue(out long ts))
            throw new CommandError("unauthorized", "a signed command needs 'ts' (Unix milliseconds)");
        if (Math.Abs(now - ts) > ClockWindow.TotalMilliseconds)
            throw new CommandError("unauthorized", $"'ts' is {Math.Abs(now - ts) / 1000} s away from the device clock (limit 300 s)");
        if (!seen.TryRecord(id, now)) throw new CommandError("replayed", $"command id '{id}' was already used");
    }

    /// <summary>The id of a command that cannot be parsed (or is too long to parse), so that it can still be answered.</summary>
    static string? RecoverId(byte[] payload)
    {
        Match match = IdPattern().Match(Encoding.UTF8.GetString(payload));
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex("\"id\"\\s*:\\s*\"([^\"\\\\]{1,128})\"")]
    private static partial Regex IdPattern();
}

/// <summary>The command verbs themselves.</summary>
public sealed class CommandHandlers(
    DaemonSettings settings,
    DaemonStatus status,
    ModelRegistry registry,
    SampleStore samples,
    IEventSink events,
    WindowMonitor monitor,
    AdaptationCoordinator adaptation,
    Func<double> dataClockS)
{
    public Func<long> WallClockMs { get; init; } = () => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public async Task<JsonNode> ExecuteAsync(string command, JsonObject args) => command switch
    {
        "status" => status.ToJson(WallClockMs()),
        "retrain" => Retrain(args),
        "rollback" => Rollback(args),
        "label" => await Label(args),
        "pause" => Pause(true),
        "resume" => Pause(false),
        "set" => Set(args),
        _ => throw new CommandError("unknown_command", $"unknown command '{command}'; use status, retrain, rollback, label, pause, resume or set"),
    };

    JsonNode Retrain(JsonObject args)
    {
        Only(args, "method", "epochs", "samples");
        string? method = OptionalString(args, "method");
        if (method is not null && !FineTuneMethods.IsKnown(method)) throw CommandError.BadArgs($"'method' must be one of {string.Join(", ", FineTuneMethods.Names)}");
        int? epochs = OptionalInt(args, "epochs", 1, 1000);
        int? count = OptionalInt(args, "samples", 16, settings.Storage.SampleCapacity);
        (string? job, RetrainRefusal refusal) = adaptation.RequestRetrain(method, epochs, count, dataClockS());
        return refusal switch
        {
            RetrainRefusal.Busy => throw new CommandError("busy", "a retrain is already running"),
            RetrainRefusal.RateLimited => throw new CommandError("rate_limited", $"at most one retrain per {settings.Adaptation.MinIntervalMinutes} minutes (Adaptation:MinIntervalMinutes)"),
            _ => new JsonObject { ["job"] = job },
        };
    }

    JsonNode Rollback(JsonObject args)
    {
        Only(args, "version");
        int version = OptionalInt(args, "version", 1, int.MaxValue) ?? throw CommandError.BadArgs("'version' is required");
        ModelVersionRecord record = registry.Get(version) is { Retired: false } r ? r : throw new CommandError("not_found", $"there is no model version {version}");
        if (status.State is States.Training or States.Validating) throw new CommandError("busy", "a retrain is running; roll back when it ends");
        int from = status.Model?.Version ?? 0;
        var model = registry.Load(record, new FineTuneOptions());
        registry.Activate(version);
        monitor.SwapModel(model, new ModelInfo(record.Version, record.Id, record.Method, record.CreatedAt));
        adaptation.ResetEpisode();
        status.SetModel(new ModelInfo(record.Version, record.Id, record.Method, record.CreatedAt), model.Threshold);
        events.Emit("model_rolled_back", WallClockMs(), new JsonObject { ["version"] = version, ["fromVersion"] = from, ["id"] = record.Id });
        return new JsonObject { ["version"] = version, ["fromVersion"] = from };
    }

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

    JsonNode Pause(bool paused)
    {
        status.SetPaused(paused);
        return new JsonObject { ["state"] = status.State };
    }

    JsonNode Set(JsonObject args)
    {
        Only(args, "key", "value");
        string key = OptionalString(args, "key") ?? throw CommandError.BadArgs("'key' is required");
        JsonNode value = args["value"] ?? throw CommandError.BadArgs("'value' is required");
        switch (key)
        {
            case "Adaptation:Mode":
                string mode = value is JsonValue v && v.TryGetValue(out string? m) ? m : "";
                if (mode is not ("auto" or "confirm" or "off")) throw CommandError.BadArgs("Adaptation:Mode must be auto, confirm or off");
                adaptation.Mode = settings.Adaptation.Mode = mode;
                break;
            case "Anomaly:FalseAlarmBudget":
                double budget = Number(value, key);
                if (!(budget > 0 && budget < 0.5)) throw CommandError.BadArgs("Anomaly:FalseAlarmBudget must be between 0 and 0.5");
                settings.Anomaly.FalseAlarmBudget = budget;
                break;
            case "Mqtt:TelemetryIntervalSeconds":
                double interval = Number(value, key);
                if (!(interval >= 0) || double.IsInfinity(interval)) throw CommandError.BadArgs("Mqtt:TelemetryIntervalSeconds must be 0 or more");
                settings.Mqtt.TelemetryIntervalSeconds = interval;
                break;
            default:
                throw CommandError.BadArgs($"'{key}' cannot be set; use Adaptation:Mode, Anomaly:FalseAlarmBudget or Mqtt:TelemetryIntervalSeconds");
        }
        return new JsonObject { ["key"] = key, ["value"] = value.DeepClone() };
    }

    static void Only(JsonObject args, params string[] allowed)
    {
        string? extra = args.Select(kv => kv.Key).FirstOrDefault(k => !allowed.Contains(k));
        if (extra is not null) throw CommandError.BadArgs($"unknown argument '{extra}'");
    }

    static string? OptionalString(JsonObject args, string key) => args[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        _ => throw CommandError.BadArgs($"'{key}' must be a string"),
    };

    static long? OptionalLong(JsonObject args, string key) => args[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out long l) => l,
        JsonValue v when v.TryGetValue(out double d) && d == Math.Floor(d) && Math.Abs(d) < 9e15 => (long)d,
        _ => throw CommandError.BadArgs($"'{key}' must be a whole number"),
    };

    static int? OptionalInt(JsonObject args, string key, int min, int max)
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
