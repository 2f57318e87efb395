using System.Text.Json;

namespace SensorOdl.Drivers.Recordings;

/// <summary>A recording folder's <c>manifest.json</c>: <c>{"dataset", "recordings": [...]}</c> (docs/CONTRACT.md §4).</summary>
public sealed class RecordingManifest
{
    public const string FileName = "manifest.json";

    private RecordingManifest(string folder, string? dataset, IReadOnlyList<RecordingEntry> recordings)
    {
        Folder = folder;
        Dataset = dataset;
        Recordings = recordings;
    }

    public string Folder { get; }
    public string? Dataset { get; }
    public IReadOnlyList<RecordingEntry> Recordings { get; }

    /// <summary>Loads <paramref name="folderOrManifest"/> (a folder holding manifest.json, or the file itself).</summary>
    public static RecordingManifest Load(string folderOrManifest)
    {
        string path = Directory.Exists(folderOrManifest) ? Path.Combine(folderOrManifest, FileName) : folderOrManifest;
        if (!File.Exists(path)) throw new RecordingFormatException($"There is no {FileName} at {path}.");
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("recordings", out var recordings) || recordings.ValueKind != JsonValueKind.Array)
                throw new RecordingFormatException($"{path} has no 'recordings' array.");
            string? dataset = root.TryGetProperty("dataset", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            var entries = new List<RecordingEntry>();
            int index = 0;
            foreach (var r in recordings.EnumerateArray())
            {
                if (r.ValueKind != JsonValueKind.Object) throw new RecordingFormatException($"Recording {index} in {path} is not an object.");
                var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (var p in r.EnumerateObject()) fields[p.Name] = p.Value.Clone();
                entries.Add(new RecordingEntry(folder, index++, fields));
            }
            return new RecordingManifest(folder, dataset, entries);
        }
        catch (JsonException e)
        {
            throw new RecordingFormatException($"{path} is not valid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e) // a string with invalid UTF-8 or a lone surrogate escape, read lazily
        {
            throw new RecordingFormatException($"{path} is not valid JSON text: {e.Message}", e);
        }
    }

    /// <summary>The recordings a filter selects, in manifest order. Throws <see cref="ManifestFilterException"/> for a bad filter.</summary>
    public IReadOnlyList<RecordingEntry> Select(string? filter) => Select(ManifestFilter.Parse(filter));

    public IReadOnlyList<RecordingEntry> Select(ManifestFilter filter)
    {
        filter.CheckKeys(this);
        return Recordings.Where(filter.Matches).ToList();
    }
}
