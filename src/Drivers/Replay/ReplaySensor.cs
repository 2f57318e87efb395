using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Recordings;
using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Drivers.Replay;

/// <summary>
/// Plays the recordings a filter selects, in manifest order, as a sensor: waveform recordings as windows of
/// <c>windowSize</c> samples, spectrum recordings as spectrum frames (which enter the pipeline after
/// the FFT stage) every <c>framePeriodS</c>. Frames carry their recording time; <see cref="SensorFrame.TimestampS"/> is a
/// stream clock that keeps increasing across recordings and loops. Paced at <see cref="ReplaySettings.Speed"/>.
/// </summary>
public sealed class ReplaySensor : ISensor
{
    private readonly ReplaySettings _settings;
    private readonly SamplePacer _pacer;
    private readonly IReadOnlyList<RecordingEntry> _recordings;
    private int _recordingIndex = -1;
    private int _frameIndex;
    private int _frameCount;
    private double _recordingOffsetS;
    private double _recordingDurationS;
    private Waveform? _waveform;
    private SpectrumFile? _spectrum;
    private long _sequence;
    private TimeSpan? _startedAt;

    /// <summary>Loads the manifest and selects recordings. Throws <see cref="ManifestFilterException"/> for a bad filter or an
    /// empty selection, <see cref="RecordingFormatException"/> for a manifest it cannot read.</summary>
    /// <param name="settings"><c>Sensor:Replay</c>.</param>
    /// <param name="windowSize">Samples per window cut from waveform recordings (ignored for spectra).</param>
    /// <param name="pacer">Paces the frames at <see cref="ReplaySettings.Speed"/>.</param>
    public ReplaySensor(ReplaySettings settings, int windowSize = 1024, SamplePacer? pacer = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (windowSize < 8) throw new ArgumentException($"Sensor:WindowSize must be at least 8, not {windowSize}.");
        _settings = settings;
        _pacer = pacer ?? new SamplePacer();
        Manifest = RecordingManifest.Load(settings.Data!);
        _recordings = Manifest.Select(settings.Filter);
        if (_recordings.Count == 0)
            throw new ManifestFilterException($"The filter '{settings.Filter}' selects no recording in {Manifest.Folder}.");
        Format = FormatOf(_recordings, windowSize);
        Health = SensorHealth.Ok(_pacer.Time.GetUtcNow());
    }

    public string Kind => "replay";
    public SensorFormat Format { get; }
    public SensorHealth Health { get; private set; }
    public RecordingManifest Manifest { get; }
    public IReadOnlyList<RecordingEntry> Recordings => _recordings;

    /// <summary>The recording being played, or null before the first read.</summary>
    public RecordingEntry? Current => _recordingIndex >= 0 && _recordingIndex < _recordings.Count ? _recordings[_recordingIndex] : null;

    public SensorFrame CreateFrame() => new(Format);

    public SensorReadResult Read(SensorFrame frame, CancellationToken cancellationToken = default)
    {
        if (frame.Format.Channels != Format.Channels || frame.Format.Length != Format.Length)
            throw new ArgumentException("The frame was not created for this sensor's format.", nameof(frame));
        while (_frameIndex >= _frameCount)
        {
            if (!OpenNextRecording()) return SensorReadResult.EndOfData;
            if (!Health.IsHealthy) return SensorReadResult.Faulted; // the recording could not be opened; the next read moves on
        }
        var entry = _recordings[_recordingIndex];
        double local = entry.Kind == RecordingKind.Spectrum ? _frameIndex * entry.FramePeriodS : _frameIndex * (double)Format.Length / Format.SampleRateHz;
        try
        {
            Fill(frame, _frameIndex);
        }
        catch (Exception e) when (e is IOException or RecordingFormatException or UnauthorizedAccessException)
        {
            Health = SensorHealth.Faulted($"Reading {entry.File} failed: {e.Message}", _pacer.Time.GetUtcNow());
            _frameIndex = _frameCount; // skip the rest of the broken recording
            return SensorReadResult.Faulted;
        }
        frame.Recording = entry;
        frame.FrameIndex = _frameIndex;
        frame.RecordingTimeS = local;
        frame.TimestampS = _recordingOffsetS + local;
        frame.Sequence = _sequence++;
        frame.Flags = WindowFlags.None;
        _frameIndex++;
        Pace(frame.TimestampS, cancellationToken);
        if (!Health.IsHealthy) Health = SensorHealth.Ok(_pacer.Time.GetUtcNow());
        return SensorReadResult.Ok;
    }

    public void Dispose()
    {
        _spectrum?.Dispose();
        _spectrum = null;
    }

    private void Fill(SensorFrame frame, int index)
    {
        if (_spectrum is not null)
        {
            _spectrum.ReadFrame(index, frame.ChannelBuffer(0));
            frame.Count = _spectrum.Bins;
            return;
        }
        var waveform = _waveform!;
        int n = Format.Length;
        for (int c = 0; c < Format.Channels; c++)
            waveform.Channel(c).Slice(index * n, n).CopyTo(frame.ChannelBuffer(c));
        frame.Count = n;
    }

    private bool OpenNextRecording()
    {
        _recordingOffsetS += _recordingDurationS;
        _spectrum?.Dispose();
        _spectrum = null;
        _waveform = null;
        _recordingIndex++;
        if (_recordingIndex >= _recordings.Count)
        {
            if (!_settings.Loop) return false;
            _recordingIndex = 0;
        }
        var entry = _recordings[_recordingIndex];
        _frameIndex = 0;
        if (!Health.IsHealthy) Health = SensorHealth.Ok(_pacer.Time.GetUtcNow());
        try
        {
            if (entry.Kind == RecordingKind.Spectrum)
            {
                _spectrum = new SpectrumFile(entry);
                _frameCount = _spectrum.FrameCount;
                _recordingDurationS = _frameCount * entry.FramePeriodS;
            }
            else
            {
                _waveform = Waveform.Load(entry);
                if (_waveform.Channels != Format.Channels)
                    throw new RecordingFormatException($"{entry.File} has {_waveform.Channels} channels; the replay started with {Format.Channels}.");
                _frameCount = _waveform.WindowCount(Format.Length, Format.Length);
                _recordingDurationS = _frameCount * Format.Length / Format.SampleRateHz;
            }
        }
        catch (Exception e) when (e is IOException or RecordingFormatException or UnauthorizedAccessException)
        {
            Health = SensorHealth.Faulted($"Opening {entry.File} failed: {e.Message}", _pacer.Time.GetUtcNow());
            _frameCount = 0;
            _recordingDurationS = 0;
        }
        return true;
    }

    private void Pace(double streamTimeS, CancellationToken cancellationToken)
    {
        if (_settings.Speed <= 0) return;
        _startedAt ??= _pacer.Elapsed - TimeSpan.FromSeconds(streamTimeS / _settings.Speed);
        _pacer.WaitUntil(_startedAt.Value + TimeSpan.FromSeconds(streamTimeS / _settings.Speed), cancellationToken);
    }

    private static SensorFormat FormatOf(IReadOnlyList<RecordingEntry> recordings, int windowSize)
    {
        var first = recordings[0];
        foreach (var r in recordings)
        {
            if (r.Kind != first.Kind)
                throw new ManifestFilterException($"The filter selects both waveform and spectrum recordings ({first.File}, {r.File}); replay needs one kind.");
            if (r.Kind == RecordingKind.Waveform && (r.SampleRateHz != first.SampleRateHz || Waveform.ChannelNamesOf(r).Length != Waveform.ChannelNamesOf(first).Length))
                throw new ManifestFilterException($"The selected waveforms differ in sample rate or channels ({first.File}: {first.SampleRateHz} Hz, {r.File}: {r.SampleRateHz} Hz).");
            if (r.Kind == RecordingKind.Spectrum && (r.Bins != first.Bins || r.BinHz != first.BinHz))
                throw new ManifestFilterException($"The selected spectra differ in bins ({first.File}: {first.Bins}, {r.File}: {r.Bins}).");
        }
        if (first.Kind == RecordingKind.Spectrum)
            return new SensorFormat(FrameKind.Spectrum, 1, first.Bins, 0, first.BinHz, first.FramePeriodS, ["spectrum"], [first.Text("units") ?? ""]);
        string unit = first.Text("units") ?? "";
        string[] names = Waveform.ChannelNamesOf(first);
        return SensorFormat.Waveform(windowSize, first.SampleRateHz, names, names.Select(_ => unit).ToArray());
    }
}
