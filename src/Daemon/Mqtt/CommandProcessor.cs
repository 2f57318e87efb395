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
/// Operator commands (docs/CONTRACT.md §3): parse, authenticate (HMAC-SHA256 in the user property `sig`, ±5 min,
/// ids not seen in 24 h), execute, and reply — on the MQTT 5 response topic with its correlation data, else on
/// {p}/{id}/reply — through the durable outbound queue. Every refusal also raises `command_rejected`.
/// </summary>
public sealed partial class CommandProcessor(
    SecuritySettings security,
    Topics topics,
    EventLog events,
    IEventSink eventSink,
    CommandHandlers handlers,
    SeenCommands seen,
    byte[]? commandKey,
    TimeProvider time)
{
    public const int MaxPayloadBytes = 64 * 1024;
    static readonly TimeSpan ClockWindow = TimeSpan.FromMinutes(5);

    public async Task HandleAsync(MqttApplicationMessage message)
    {
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
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
            bool button = security.AllowUnsignedButton && payload.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(HomeAssistantDiscovery.ButtonPayload));
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
        MqttUserProperty? property = message.UserProperties?.FirstOrDefault(p => p.Name == CommandSignature.Property);
        if (property is null) throw new CommandError("unauthorized", "commands must be signed: user property 'sig' is missing");
        if (!CommandSignature.Verify(commandKey!, payload, property.ReadValueAsString()))
            throw new CommandError("unauthorized", "the signature does not match the payload");
    }

    void CheckFreshness(JsonObject request, string id, long now)
    {
        if (request["ts"] is not JsonValue tsValue || !tsValue.TryGetValue(out long ts))
            throw new CommandError("unauthorized", "a signed command needs 'ts' (Unix milliseconds)");
        if (Math.Abs(now - ts) > ClockWindow.TotalMilliseconds)
            throw time is AnchoredClock { Synced: false }
                ? new CommandError("clock_unsynchronised", $"'ts' is {Math.Abs(now - ts) / 1000} s away from the device clock, which is not synchronised yet: it cannot be judged")
                : new CommandError("unauthorized", $"'ts' is {Math.Abs(now - ts) / 1000} s away from the device clock (limit 300 s)");
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
