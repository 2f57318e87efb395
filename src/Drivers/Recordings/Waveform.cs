using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;

namespace SensorOdl.Drivers.Recordings;

/// <summary>A whole waveform recording in memory, channel-major: <c>Samples[c * Length + i]</c>.</summary>
public sealed class Waveform
{
    public Waveform(float[] samples, int channels, double sampleRateHz, IReadOnlyList<string> channelNames)
    {
        Samples = samples;
        Channels = channels;
        Length = channels == 0 ? 0 : samples.Length / channels;
        SampleRateHz = sampleRateHz;
        ChannelNames = channelNames;
    }

    public float[] Samples { get; }
    public int Channels { get; }
    public int Length { get; }
    public double SampleRateHz { get; }
    public IReadOnlyList<string> ChannelNames { get; }

    public ReadOnlySpan<float> Channel(int channel) => Samples.AsSpan(channel * Length, Length);

    /// <summary>Windows of <paramref name="windowSize"/> samples every <paramref name="hop"/> samples; a partial tail is dropped.</summary>
    public int WindowCount(int windowSize, int hop) => Length < windowSize ? 0 : (Length - windowSize) / hop + 1;

    /// <summary>Reads a waveform entry: headerless little-endian float32 (interleaved when <c>channels</c> &gt; 1) or CSV.</summary>
    public static Waveform Load(RecordingEntry entry)
    {
        if (entry.Kind != RecordingKind.Waveform) throw new ArgumentException($"Recording '{entry.File}' is not a waveform.");
        if (!File.Exists(entry.Path)) throw new RecordingFormatException($"The recording file {entry.Path} does not exist.");
        return entry.IsCsv ? LoadCsv(entry) : LoadF32(entry);
    }

    private static Waveform LoadF32(RecordingEntry entry)
    {
        byte[] bytes = File.ReadAllBytes(entry.Path);
        int channels = Math.Max(1, entry.Channels);
        if (bytes.Length % (4 * channels) != 0)
            throw new RecordingFormatException($"{entry.Path} holds {bytes.Length} bytes, not a whole number of {channels}-channel float32 samples.");
        if (!BitConverter.IsLittleEndian)
        {
            var ints = MemoryMarshal.Cast<byte, int>(bytes.AsSpan());
            for (int i = 0; i < ints.Length; i++) ints[i] = BinaryPrimitives.ReverseEndianness(ints[i]);
        }
        ReadOnlySpan<float> interleaved = MemoryMarshal.Cast<byte, float>(bytes.AsSpan());
        int length = interleaved.Length / channels;
        var samples = new float[interleaved.Length];
        for (int i = 0; i < length; i++)
            for (int c = 0; c < channels; c++) samples[c * length + i] = interleaved[i * channels + c];
        var names = ChannelNamesOf(entry, channels);
        return new Waveform(samples, channels, entry.SampleRateHz, names);
    }

    /// <summary>Channel names without loading the samples: a CSV's header, else the <c>channelNames</c> field, else ch0, ch1, ….</summary>
    public static string[] ChannelNamesOf(RecordingEntry entry)
    {
        if (entry.IsCsv && File.Exists(entry.Path))
        {
            using var reader = new StreamReader(entry.Path);
            string? header = reader.ReadLine();
            if (!string.IsNullOrWhiteSpace(header)) return header.Split(',').Select(h => h.Trim()).ToArray();
        }
        return ChannelNamesOf(entry, Math.Max(1, entry.Channels));
    }

    private static string[] ChannelNamesOf(RecordingEntry entry, int channels)
    {
        if (entry.Fields.TryGetValue("channelNames", out var names) && names.ValueKind == System.Text.Json.JsonValueKind.Array
            && names.GetArrayLength() == channels)
            return names.EnumerateArray().Select(n => n.ToString()).ToArray();
        return Enumerable.Range(0, channels).Select(c => $"ch{c}").ToArray();
    }

    private static Waveform LoadCsv(RecordingEntry entry)
    {
        using var reader = new StreamReader(entry.Path);
        string? header = reader.ReadLine();
        if (string.IsNullOrWhiteSpace(header)) throw new RecordingFormatException($"{entry.Path} has no header row.");
        string[] names = header.Split(',').Select(h => h.Trim()).ToArray();
        var columns = names.Select(_ => new List<float>()).ToArray();
        int lineNumber = 1;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            if (line.Length == 0) continue;
            string[] cells = line.Split(',');
            if (cells.Length != names.Length)
                throw new RecordingFormatException($"{entry.Path} line {lineNumber} has {cells.Length} cells; the header has {names.Length}.");
            for (int c = 0; c < cells.Length; c++)
            {
                string cell = cells[c].Trim();
                if (cell.Length == 0)
                    columns[c].Add(float.NaN); // a missing sample stays visible: the features flag it
                else if (float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out float v))
                    columns[c].Add(v);
                else
                    throw new RecordingFormatException($"{entry.Path} line {lineNumber} column '{names[c]}' is not a number: '{cell}'.");
            }
        }
        int length = columns[0].Count;
        var samples = new float[names.Length * length];
        for (int c = 0; c < names.Length; c++) columns[c].CopyTo(samples, c * length);
        return new Waveform(samples, names.Length, entry.SampleRateHz, names);
    }
}
