using System.Globalization;
using System.Text.Json;

namespace SensorOdl.Drivers.Recordings;

/// <summary>
/// <c>key=value[|value…][,key=value…]</c> (docs/CONTRACT.md §4): AND across keys, OR across <c>|</c>; numbers compare numerically,
/// <c>null</c> matches null or absent, anything else is a case-sensitive string. Entries with <c>"primary": false</c> are
/// skipped unless the filter names <c>primary</c>. An empty filter selects every primary recording. The same grammar selects devices
/// by their status JSON (<see cref="Matches(JsonElement)"/>).
/// </summary>
public sealed class ManifestFilter
{
    private readonly IReadOnlyList<Clause> _clauses;

    private ManifestFilter(string text, IReadOnlyList<Clause> clauses)
    {
        Text = text;
        _clauses = clauses;
    }

    public string Text { get; }
    public IEnumerable<string> Keys => _clauses.Select(c => c.Key);
    public bool NamesPrimary => _clauses.Any(c => c.Key == "primary");

    /// <summary>Parses a filter; throws <see cref="FilterSyntaxException"/> when it does not follow the grammar.</summary>
    public static ManifestFilter Parse(string? text)
    {
        text ??= "";
        var clauses = new List<Clause>();
        if (string.IsNullOrWhiteSpace(text)) return new ManifestFilter(text, clauses);
        foreach (string part in text.Split(','))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0) throw new FilterSyntaxException($"The filter clause '{part}' is not key=value.");
            string key = part[..eq].Trim();
            if (key.Length == 0) throw new FilterSyntaxException($"The filter clause '{part}' has no key.");
            if (clauses.Any(c => c.Key == key)) throw new FilterSyntaxException($"The filter names '{key}' twice; use {key}=a|b for alternatives.");
            string[] values = part[(eq + 1)..].Split('|');
            if (values.Any(v => v.Length == 0)) throw new FilterSyntaxException($"The filter clause '{part}' has an empty value.");
            clauses.Add(new Clause(key, values));
        }
        return new ManifestFilter(text, clauses);
    }

    /// <summary>Throws <see cref="UnknownFilterKeyException"/> for a key that no recording of the manifest has.</summary>
    public void CheckKeys(RecordingManifest manifest)
    {
        foreach (var clause in _clauses)
        {
            if (!manifest.Recordings.Any(r => r.Fields.ContainsKey(clause.Key)))
                throw new UnknownFilterKeyException(clause.Key, Path.Combine(manifest.Folder, RecordingManifest.FileName));
        }
    }

    public bool Matches(RecordingEntry entry)
    {
        if (!entry.Primary && !NamesPrimary) return false;
        foreach (var clause in _clauses)
            if (!clause.Matches(entry)) return false;
        return true;
    }

    /// <summary>
    /// Whether a JSON document matches, each key read as a dotted path into nested objects (<c>model.version</c>; used by
    /// <c>sensorodl fleet --select</c> on a device's status and model). There is no <c>primary</c> rule here.
    /// </summary>
    public bool Matches(JsonElement document)
    {
        foreach (var clause in _clauses)
            if (!clause.Matches(TryGetPath(document, clause.Key, out JsonElement field), field)) return false;
        return true;
    }

    /// <summary>The value at a dotted path (<c>a.b.c</c>) of a JSON object; false when a step is missing or not an object.</summary>
    public static bool TryGetPath(JsonElement document, string path, out JsonElement value)
    {
        value = document;
        foreach (string step in path.Split('.'))
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(step, out value)) return false;
        }
        return true;
    }

    public override string ToString() => Text;

    private sealed record Clause(string Key, string[] Values)
    {
        public bool Matches(RecordingEntry entry) => Matches(entry.Fields.TryGetValue(Key, out var field), field);

        public bool Matches(bool present, JsonElement field)
        {
            foreach (string value in Values)
                if (ValueMatches(value, present, field)) return true;
            return false;
        }

        private static bool ValueMatches(string value, bool present, JsonElement field)
        {
            if (value == "null") return !present || field.ValueKind == JsonValueKind.Null;
            if (!present || field.ValueKind == JsonValueKind.Null) return false;
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double wanted))
            {
                if (field.ValueKind == JsonValueKind.Number) return field.GetDouble() == wanted;
                if (field.ValueKind == JsonValueKind.String
                    && double.TryParse(field.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double have))
                    return have == wanted;
            }
            return field.ValueKind switch
            {
                JsonValueKind.String => field.GetString() == value,
                JsonValueKind.True => value == "true",
                JsonValueKind.False => value == "false",
                _ => field.GetRawText() == value,
            };
        }
    }
}
