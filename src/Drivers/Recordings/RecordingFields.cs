using System.Globalization;

namespace SensorOdl.Drivers.Recordings;

/// <summary>Manifest fields given on the command line (<c>record --set key=value,…</c>).</summary>
public static class RecordingFields
{
    /// <summary>Keys the writer fills in itself; <c>--set</c> cannot override them.</summary>
    public static readonly IReadOnlySet<string> Reserved = new HashSet<string>(StringComparer.Ordinal)
    {
        "file", "kind", "sampleRateHz", "samples", "channels", "channelNames", "units", "bins", "binHz", "frames",
        "framePeriodS", "sha256", "recordedAt", "sensor",
    };

    /// <summary>
    /// Parses <c>key=value[,key=value…]</c>: integers and decimals become numbers, <c>true</c>/<c>false</c> booleans,
    /// <c>null</c> null, anything else a string. Throws <see cref="ArgumentException"/> (a usage error) for a malformed
    /// pair or a reserved key.
    /// </summary>
    public static Dictionary<string, object?> Parse(string? text)
    {
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(text)) return fields;
        foreach (string pair in text.Split(','))
        {
            int eq = pair.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"The field '{pair}' is not key=value.");
            string key = pair[..eq].Trim();
            if (Reserved.Contains(key)) throw new ArgumentException($"The field '{key}' is written by the recorder and cannot be set.");
            fields[key] = Value(pair[(eq + 1)..].Trim());
        }
        return fields;
    }

    private static object? Value(string text) => text switch
    {
        "null" => null,
        "true" => true,
        "false" => false,
        _ when long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l) => l,
        _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d) => d,
        _ => text,
    };
}
