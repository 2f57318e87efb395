using System.Text.Json;
using System.Text.Json.Nodes;

namespace SensorOdl.Integration.Tests.Infrastructure;

/// <summary>Typed reads of JSON payloads that fail with the whole payload in the message.</summary>
public static class JsonAssert
{
    public static void AssertUnixMs(double value, string what)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.True(value > now - 3_600_000 && value < now + 60_000, $"{what} = {value} is not Unix milliseconds near now ({now})");
    }

    public static string Str(JsonObject o, string key) =>
        o[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : throw new Xunit.Sdk.XunitException($"'{key}' must be a string in {o.ToJsonString()}");

    public static double Num(JsonObject o, string key) =>
        o[key] is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : throw new Xunit.Sdk.XunitException($"'{key}' must be a number in {o.ToJsonString()}");

    public static int Int(JsonObject o, string key) =>
        o[key] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out int i) ? i : throw new Xunit.Sdk.XunitException($"'{key}' must be an integer in {o.ToJsonString()}");

    public static bool Bool(JsonObject o, string key) =>
        o[key] is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : throw new Xunit.Sdk.XunitException($"'{key}' must be a boolean in {o.ToJsonString()}");

    public static JsonObject Obj(JsonObject o, string key) =>
        o[key] as JsonObject ?? throw new Xunit.Sdk.XunitException($"'{key}' must be an object in {o.ToJsonString()}");
}
