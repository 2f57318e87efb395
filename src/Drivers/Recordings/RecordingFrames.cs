namespace SensorOdl.Drivers.Recordings;

/// <summary>Frames of selected recordings in manifest order, for batch consumers. Waveforms are cut into windows.</summary>
public static class RecordingFrames
{
    /// <summary>
    /// Every frame of <paramref name="entries"/>, recording after recording: spectrum frames as stored, waveforms as windows
    /// of <paramref name="windowSize"/> samples every <paramref name="hop"/> samples (default: no overlap; a partial tail is dropped).
    /// </summary>
    public static IEnumerable<RecordedFrame> Enumerate(IEnumerable<RecordingEntry> entries, int windowSize = 1024, int hop = 0)
    {
        if (windowSize < 1) throw new ArgumentOutOfRangeException(nameof(windowSize));
        if (hop <= 0) hop = windowSize;
        foreach (var entry in entries)
        {
            var frames = entry.Kind == RecordingKind.Spectrum ? Spectra(entry) : Windows(entry, windowSize, hop);
            foreach (var frame in frames) yield return frame;
        }
    }

    /// <summary>Every frame of the recordings in <paramref name="folder"/> that <paramref name="filter"/> selects, in manifest
    /// order. Throws <see cref="ManifestFilterException"/> for a bad filter (a usage error) before yielding anything.</summary>
    public static IEnumerable<RecordedFrame> Enumerate(string folder, string? filter, int windowSize = 1024, int hop = 0)
    {
        var entries = RecordingManifest.Load(folder).Select(filter);
        return Enumerate(entries, windowSize, hop);
    }

    /// <summary>The number of frames <see cref="Enumerate"/> yields for one entry (reads the file's length, or the CSV).</summary>
    public static int Count(RecordingEntry entry, int windowSize = 1024, int hop = 0)
    {
        if (hop <= 0) hop = windowSize;
        if (entry.Kind == RecordingKind.Spectrum)
        {
            using var file = new SpectrumFile(entry);
            return file.FrameCount;
        }
        if (!entry.IsCsv && File.Exists(entry.Path))
        {
            long samples = new FileInfo(entry.Path).Length / 4 / Math.Max(1, entry.Channels);
            return samples < windowSize ? 0 : (int)((samples - windowSize) / hop + 1);
        }
        return Waveform.Load(entry).WindowCount(windowSize, hop);
    }

    private static IEnumerable<RecordedFrame> Spectra(RecordingEntry entry)
    {
        using var file = new SpectrumFile(entry);
        for (int f = 0; f < file.FrameCount; f++)
        {
            var data = new float[file.Bins];
            file.ReadFrame(f, data);
            yield return new RecordedFrame(entry, f, f * entry.FramePeriodS, data, 1, entry.SpeedAt(f));
        }
    }

    private static IEnumerable<RecordedFrame> Windows(RecordingEntry entry, int windowSize, int hop)
    {
        var waveform = Waveform.Load(entry);
        int count = waveform.WindowCount(windowSize, hop);
        for (int w = 0; w < count; w++)
        {
            var data = new float[waveform.Channels * windowSize];
            for (int c = 0; c < waveform.Channels; c++)
                waveform.Channel(c).Slice(w * hop, windowSize).CopyTo(data.AsSpan(c * windowSize, windowSize));
            yield return new RecordedFrame(entry, w, w * (double)hop / waveform.SampleRateHz, data, waveform.Channels, entry.SpeedAt(w));
        }
    }
}
