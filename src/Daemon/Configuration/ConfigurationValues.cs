using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace SensorOdl.Daemon.Configuration;

/// <summary>
/// Typed reads of single configuration keys for <see cref="SettingsBinder"/>: an unset key keeps the default, a value
/// that is not of the key's type is a <see cref="ConfigurationException"/> naming the key and the value. Numbers are
/// read as the configuration binder read them (invariant culture; integers without exponent); enums by name only, in
/// any case.
/// </summary>
sealed class ConfigurationValues(IConfiguration configuration)
{
    public string String(string key, string fallback) => configuration[key] ?? fallback;

    public string? OptionalString(string key, string? fallback) => configuration[key] ?? fallback;

    public int Int(string key, int fallback) =>
        configuration[key] is { } text ? ParseInt(key, text) : fallback;

    public long Long(string key, long fallback) =>
        configuration[key] is { } text
            ? long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) ? value : throw Invalid(key, text)
            : fallback;

    public double Double(string key, double fallback) =>
        configuration[key] is { } text ? ParseDouble(key, text) : fallback;

    public double? OptionalDouble(string key, double? fallback) =>
        configuration[key] is { } text ? text.Length == 0 ? null : ParseDouble(key, text) : fallback;

    public bool Bool(string key, bool fallback) =>
        configuration[key] is { } text
            ? bool.TryParse(text, out bool value) ? value : throw Invalid(key, text)
            : fallback;

    public T Enum<T>(string key, T fallback) where T : struct, Enum =>
        configuration[key] is { } text ? ParseEnum<T>(key, text) : fallback;

    public T? OptionalEnum<T>(string key, T? fallback) where T : struct, Enum =>
        configuration[key] is { } text ? text.Length == 0 ? null : ParseEnum<T>(key, text) : fallback;

    /// <summary>
    /// The children of <paramref name="key"/> (<c>Key:0</c>, <c>Key:1</c>, … or a JSON array) in order, or the key itself as a
    /// comma-separated list (<c>--Key 128,64,128</c>), or the fallback when neither is set.
    /// </summary>
    public int[]? IntArray(string key, int[]? fallback)
    {
        if (configuration[key] is { Length: > 0 } list)
            return [.. list.Split(',').Select(item => int.TryParse(item, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : throw Invalid(key, list))];
        var children = configuration.GetSection(key).GetChildren().ToList();
        if (children.Count == 0) return fallback;
        return [.. children.Select(child => ParseInt($"{key}:{child.Key}", child.Value ?? ""))];
    }

    static int ParseInt(string key, string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : throw Invalid(key, text);

    static double ParseDouble(string key, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : throw Invalid(key, text);

    static T ParseEnum<T>(string key, string text) where T : struct, Enum
    {
        string name = text.Trim();
        // Enum.TryParse also takes numbers and flag lists ("auto, confirm"); configuration names a value by its name only.
        if (System.Enum.GetNames<T>().FirstOrDefault(n => n.Equals(name, StringComparison.OrdinalIgnoreCase)) is { } known)
            return System.Enum.Parse<T>(known);
        throw new ConfigurationException($"{key}: '{text}' is not one of {string.Join(", ", System.Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}.");
    }

    static ConfigurationException Invalid(string key, string text) => new($"{key}: '{text}' is not a valid value.");
}
