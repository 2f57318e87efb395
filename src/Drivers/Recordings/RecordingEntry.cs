using System.Globalization;
using System.Text.Json;

namespace SensorOdl.Drivers.Recordings;

/// <summary>
/// One entry of <c>manifest.json</c>: the typed fields the drivers need plus every field as written, for filters and for
/// consumers that want more (e.g. <c>state</c>, <c>load_hp</c>, <c>env</c>).
/// </summary>
public sealed class RecordingEntry
{
    private readonly Dictionary<string, JsonElement> _fields;

    internal RecordingEntry(string folder, int index, Dictionary<string, JsonElement> fields)
    {
        _fields = fields;
        Index = index;
        File = Text("file") ?? Text("name") ?? throw new RecordingFormatException($"Recording {index} of the manifest in {folder} has no 'file'.");
        if (File.Contains('\0')) throw new RecordingFormatException($"Recording {index} of the manifest in {folder} has a 'file' with a NUL character.");
        Path = System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, File));
        IsCsv = File.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);
        string kind = Text("kind") ?? (IsCsv ? "waveform" : "");
        Kind = kind switch
        {
            "waveform" => RecordingKind.Waveform,
            "spectrum" => RecordingKind.Spectrum,
            _ => throw new RecordingFormatException($"Recording '{File}' has kind '{kind}'; expected 'waveform' or 'spectrum'."),
        };
        Primary = !_fields.TryGetValue("primary", out var p) || p.ValueKind != JsonValueKind.False;
        Channels = (int)(Number("channels") ?? 1);
        if (Kind == RecordingKind.Waveform)
        {
            SampleRateHz = Number("sampleRateHz") ?? Number("sample_rate_hz")
                ?? throw new RecordingFormatException($"Waveform recording '{File}' has no 'sampleRateHz'.");
        }
        else
        {
            Bins = (int)(Number("bins") ?? throw new RecordingFormatException($"Spectrum recording '{File}' has no 'bins'."));
            BinHz = Number("binHz") ?? throw new RecordingFormatException($"Spectrum recording '{File}' has no 'binHz'.");
            FramePeriodS = Number("framePeriodS") ?? throw new RecordingFormatException($"Spectrum recording '{File}' has no 'framePeriodS'.");
        }
        Segments = ReadSegments();
    }

    /// <summary>Position in the manifest's <c>recordings</c> array.</summary>
    public int Index { get; }
    public string File { get; }
    /// <summary>Absolute path of the data file.</summary>
    public string Path { get; }
    public bool IsCsv { get; }
    public RecordingKind Kind { get; }
    /// <summary>False for entries marked <c>"primary": false</c>, which filters skip unless they name <c>primary</c>.</summary>
    public bool Primary { get; }
    /// <summary>Interleaved channels in an f32 waveform (field <c>channels</c>, default 1).</summary>
    public int Channels { get; }
    public double SampleRateHz { get; }
    public int Bins { get; }
    public double BinHz { get; }
    public double FramePeriodS { get; }
    /// <summary>Speed steps of a recording whose speed changes (hmlo); empty otherwise.</summary>
    public IReadOnlyList<Segment> Segments { get; }
    public IReadOnlyDictionary<string, JsonElement> Fields => _fields;

    /// <summary>The segment holding frame <paramref name="frame"/>, or null.</summary>
    public Segment? SegmentAt(int frame)
    {
        foreach (var s in Segments)
            if (s.Contains(frame)) return s;
        return null;
    }

    /// <summary>The machine speed at a frame: its segment's speed, else the entry's <c>speed</c> field, else null.</summary>
    public string? SpeedAt(int frame) => SegmentAt(frame)?.Speed ?? Text("speed");

    /// <summary>A field as a string (numbers in invariant culture), or null when absent or null.</summary>
    public string? Text(string key) =>
        _fields.TryGetValue(key, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => v.GetRawText(),
        } : null;

    /// <summary>A numeric field (a JSON number or a numeric string), or null.</summary>
    public double? Number(string key)
    {
        if (!_fields.TryGetValue(key, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number) return v.GetDouble();
        if (v.ValueKind == JsonValueKind.String && double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) return d;
        return null;
    }

    public override string ToString() => File;

    private List<Segment> ReadSegments()
    {
        var list = new List<Segment>();
        if (!_fields.TryGetValue("segments", out var segments) || segments.ValueKind != JsonValueKind.Array) return list;
        foreach (var s in segments.EnumerateArray())
        {
            try
            {
                list.Add(new Segment(s.GetProperty("speed").GetString() ?? "", s.GetProperty("from").GetInt32(), s.GetProperty("to").GetInt32()));
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new RecordingFormatException($"Recording '{File}' has a malformed segment: {s.GetRawText()}.", e);
            }
        }
        return list;
    }
}
