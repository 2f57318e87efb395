using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Drivers.Recordings;

/// <summary>
/// Writes frames from a sensor into the recording layout of docs/CONTRACT.md §4 (what <c>sensorodl record</c> needs): one
/// headerless little-endian float32 file (channels interleaved when there are several) and, on <see cref="Complete"/>,
/// one new entry in the folder's <c>manifest.json</c> (created if missing, replaced atomically). A recording that is
/// never completed leaves no file behind.
/// </summary>
public sealed class RecordingWriter : IDisposable
{
    private readonly string _folder;
    private readonly string _path;
    private readonly SensorFormat _format;
    private readonly Dictionary<string, object?> _fields;
    private readonly string? _dataset;
    private readonly FileStream _stream;
    private readonly byte[] _buffer;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private bool _completed;

    private RecordingWriter(string folder, string fileName, SensorFormat format, Dictionary<string, object?> fields, string? dataset)
    {
        _folder = folder;
        FileName = fileName;
        _path = Path.Combine(folder, fileName);
        _format = format;
        _fields = fields;
        _dataset = dataset;
        _stream = new FileStream(_path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        _buffer = new byte[4 * format.Channels * format.Length];
    }

    public string FileName { get; }
    public int FramesWritten { get; private set; }
    /// <summary>Samples per channel (waveform) written so far.</summary>
    public long SamplesWritten { get; private set; }

    /// <summary>Starts a recording in <paramref name="folder"/> (created if needed). Throws <see cref="IOException"/> when
    /// the file exists, <see cref="ArgumentException"/> for a name the manifest already lists or a reserved field.</summary>
    /// <param name="fields">Extra manifest fields (e.g. from <see cref="RecordingFields.Parse"/>): state, load, machine id …</param>
    /// <param name="dataset">The manifest's <c>dataset</c> when a new manifest is created (default: the folder name).</param>
    public static RecordingWriter Create(string folder, string fileName, SensorFormat format, IReadOnlyDictionary<string, object?>? fields = null, string? dataset = null)
    {
        if (string.IsNullOrWhiteSpace(fileName) || fileName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            throw new ArgumentException($"'{fileName}' is not a file name.");
        var copy = new Dictionary<string, object?>(fields ?? new Dictionary<string, object?>(), StringComparer.Ordinal);
        foreach (string key in copy.Keys)
            if (RecordingFields.Reserved.Contains(key)) throw new ArgumentException($"The field '{key}' is written by the recorder and cannot be set.");
        Directory.CreateDirectory(folder);
        string manifest = Path.Combine(folder, RecordingManifest.FileName);
        if (File.Exists(manifest) && RecordingManifest.Load(manifest).Recordings.Any(r => r.File == fileName))
            throw new ArgumentException($"The manifest in {folder} already lists '{fileName}'.");
        return new RecordingWriter(folder, fileName, format, copy, dataset);
    }

    /// <summary>A default file name from the time: <c>rec-20260101-120000.f32</c>.</summary>
    public static string DefaultFileName(DateTimeOffset time) => $"rec-{time.UtcDateTime:yyyyMMdd-HHmmss}.f32";

    /// <summary>Appends the frame's filled samples (or its bins). No allocation.</summary>
    public void Append(SensorFrame frame)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (frame.Format.Kind != _format.Kind || frame.Channels != _format.Channels || frame.Format.Length != _format.Length)
            throw new ArgumentException("The frame does not have the recording's format.", nameof(frame));
        int n = frame.Count, channels = frame.Channels;
        var values = MemoryMarshal.Cast<byte, float>(_buffer.AsSpan(0, 4 * n * channels));
        for (int c = 0; c < channels; c++)
        {
            var channel = frame.Channel(c);
            for (int i = 0; i < n; i++) values[i * channels + c] = channel[i];
        }
        if (!BitConverter.IsLittleEndian)
        {
            var ints = MemoryMarshal.Cast<float, int>(values);
            for (int i = 0; i < ints.Length; i++) ints[i] = BinaryPrimitives.ReverseEndianness(ints[i]);
        }
        var bytes = _buffer.AsSpan(0, 4 * n * channels);
        _stream.Write(bytes);
        _hash.AppendData(bytes);
        FramesWritten++;
        SamplesWritten += n;
    }

    /// <summary>Flushes the file to disk and adds its entry to the manifest; returns the entry as a reader sees it.</summary>
    public RecordingEntry Complete()
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        _completed = true;
        var entry = new JsonObject { ["file"] = FileName };
        if (_format.Kind == FrameKind.Waveform)
        {
            entry["kind"] = "waveform";
            entry["sampleRateHz"] = _format.SampleRateHz;
            entry["samples"] = SamplesWritten;
            entry["channels"] = _format.Channels;
        }
        else
        {
            entry["kind"] = "spectrum";
            entry["bins"] = _format.Length;
            entry["binHz"] = _format.BinHz;
            entry["frames"] = FramesWritten;
            entry["framePeriodS"] = _format.FramePeriodS;
        }
        entry["channelNames"] = new JsonArray(_format.ChannelNames.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray());
        entry["units"] = _format.Units.Distinct().Count() == 1 ? _format.Units[0] : new JsonArray(_format.Units.Select(u => (JsonNode?)JsonValue.Create(u)).ToArray());
        entry["recordedAt"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        entry["sha256"] = Convert.ToHexStringLower(_hash.GetHashAndReset());
        foreach (var (key, value) in _fields) entry[key] = FieldNode(key, value);
        AppendToManifest(entry);
        return RecordingManifest.Load(_folder).Recordings.Single(r => r.File == FileName);
    }

    // The values RecordingFields and SimulatedMachineSettings.ManifestFields give, converted without the reflection
    // serializer (a trimmed build has none).
    private static JsonNode? FieldNode(string key, object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        double d => JsonValue.Create(d),
        JsonNode node => node.DeepClone(),
        _ => throw new ArgumentException($"The manifest field '{key}' is a {value.GetType().Name}; fields are strings, numbers, booleans or null."),
    };

    /// <summary>Abandons an incomplete recording (its file is deleted).</summary>
    public void Dispose()
    {
        _hash.Dispose();
        if (_completed) return;
        _completed = true;
        _stream.Dispose();
        try { File.Delete(_path); } catch (IOException) { }
    }

    private void AppendToManifest(JsonObject entry)
    {
        string path = Path.Combine(_folder, RecordingManifest.FileName);
        JsonObject root;
        if (File.Exists(path))
        {
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new RecordingFormatException($"{path} is not a JSON object.");
            if (root["recordings"] is not JsonArray)
                throw new RecordingFormatException($"{path} has no 'recordings' array.");
        }
        else
        {
            root = new JsonObject
            {
                ["dataset"] = _dataset ?? new DirectoryInfo(_folder).Name,
                ["recordings"] = new JsonArray(),
            };
        }
        ((JsonArray)root["recordings"]!).Add((JsonNode)entry); // the JsonNode overload: the generic one is not trim-safe
        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true })) root.WriteTo(writer);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
