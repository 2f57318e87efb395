using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MQTTnet;
using MQTTnet.Packets;
using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Mqtt.HomeAssistant;
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
    CommandKeys? commandKeys,
    TimeProvider time,
    UnsignedHomeAssistantCommands? unsignedHomeAssistant = null)
{
    readonly UnsignedHomeAssistantCommands _unsigned = unsignedHomeAssistant ?? new(security, () => []);

    public const int MaxPayloadBytes = 64 * 1024;
    static readonly TimeSpan ClockWindow = TimeSpan.FromMinutes(5);

    /// <summary>Handles one command straight from MQTTnet (tests and tools; the daemon goes through <see cref="CommandInbox"/>).</summary>
    public Task HandleAsync(MqttApplicationMessage message) => HandleAsync(CommandMessage.From(message));

    /// <summary>Answers the command: a reply, or a refusal (a `command_rejected` event, and a reply when it can be addressed). Never throws for bad input.</summary>
    public async Task HandleAsync(CommandMessage message)
    {
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        bool validResponseTopic = message.ResponseTopic is null || IsPublishableTopic(message.ResponseTopic);
        string replyTopic = message.ResponseTopic is { } rt && validResponseTopic ? rt : topics.Reply;
        byte[]? correlation = message.CorrelationData;
        string? id = null;
        string? command = null;
        try
        {
            byte[] payload = message.Payload;
            id = RecoverId(payload);
            if (message.Oversize) throw new CommandError("bad_json", $"command payload of {message.Length} bytes is over the {MaxPayloadBytes}-byte limit");
            if (!validResponseTopic) throw CommandError.BadArgs("the MQTT response topic is not a topic one can publish to (empty, or with '+', '#' or U+0000)");
            bool homeAssistant = commandKeys is not null && _unsigned.Allows(payload); // Home Assistant cannot sign: its exact payloads, when allowed
            if (commandKeys is not null && !homeAssistant) CheckSignature(message.Signature, payload);

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
            if (commandKeys is not null && !homeAssistant) CheckFreshness(request, id, now);

            JsonNode result = await handlers.ExecuteAsync(command, args);
            await Reply(replyTopic, correlation, new JsonObject { ["id"] = id, ["device"] = topics.Device, ["ok"] = true, ["result"] = result }, now);
        }
        catch (Exception e)
        {
            CommandError error = e as CommandError ?? new CommandError("internal", $"the command failed: {e.Message}");
            if (id is { Length: > 128 }) id = null; // an over-long id is refused, not echoed
            string text = Clip(error.Message);
            eventSink.Emit("command_rejected", now, new JsonObject { ["id"] = id, ["command"] = command is null ? null : Clip(command), ["code"] = error.Code, ["message"] = text });
            // A reply needs somewhere to go and something to correlate with.
            if (id is not null || correlation is not null || message.ResponseTopic is not null)
                await Reply(replyTopic, correlation, new JsonObject
                {
                    ["id"] = id, ["device"] = topics.Device, ["ok"] = false,
                    ["error"] = new JsonObject { ["code"] = error.Code, ["message"] = text },
                }, now);
        }
    }

    /// <summary>Hostile names (a 60 KiB command, an argument name) are cut in events and replies.</summary>
    static string Clip(string text) => text.Length <= 200 ? text : text[..(char.IsHighSurrogate(text[199]) ? 199 : 200)] + "…";

    /// <summary>MQTT: a topic name one publishes to has no wildcards and no U+0000, and is not empty.</summary>
    static bool IsPublishableTopic(string topic) => topic.Length is > 0 and <= 65535 && topic.IndexOfAny(['+', '#', '\0']) < 0;

    Task Reply(string topic, byte[]? correlation, JsonObject reply, long now) =>
        events.EnqueueReplyAsync(topic, reply.ToJsonString(), correlation, now);

    /// <summary>
    /// The command object, fully read: System.Text.Json reads strings and property names lazily, so invalid UTF-8 or a
    /// lone surrogate escape (and a duplicate key) would otherwise surface later, from a handler, as `internal`.
    /// </summary>
    static JsonObject Parse(byte[] payload)
    {
        if (!Utf8.IsValid(payload)) throw new CommandError("bad_json", "the command is not valid UTF-8");
        try
        {
            JsonObject request = JsonNode.Parse(payload) as JsonObject ?? throw new CommandError("bad_json", "the command is not a JSON object");
            ReadAll(request);
            return request;
        }
        catch (JsonException e) { throw new CommandError("bad_json", $"the command is not valid JSON ({e.Message.Split('.')[0]})"); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            throw new CommandError("bad_json", $"the command is not valid UTF-8 JSON ({e.Message.Split('.')[0]})");
        }
    }

    /// <summary>Reads every name and string once (the parser's depth limit, 64, bounds the recursion).</summary>
    static void ReadAll(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (KeyValuePair<string, JsonNode?> property in o) ReadAll(property.Value);
                break;
            case JsonArray a:
                foreach (JsonNode? item in a) ReadAll(item);
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                v.GetValue<string>();
                break;
        }
    }

    void CheckSignature(string? signature, byte[] payload)
    {
        if (signature is null) throw new CommandError("unauthorized", "commands must be signed: user property 'sig' is missing");
        switch (commandKeys!.Verify(payload, signature))
        {
            case KeyMatch.None: throw new CommandError("unauthorized", "the signature does not match the payload");
            case KeyMatch.PreviousExpired: throw new CommandError("unauthorized", "signed with the previous command key, whose overlap (Security:KeyOverlapMinutes) has ended");
        }
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
        Match match = IdPattern().Match(Encoding.UTF8.GetString(payload, 0, Math.Min(payload.Length, MaxPayloadBytes)));
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex("\"id\"\\s*:\\s*\"([^\"\\\\]{1,128})\"")]
    private static partial Regex IdPattern();
}
