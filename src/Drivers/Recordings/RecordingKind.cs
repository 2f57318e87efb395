namespace SensorOdl.Drivers.Recordings;

/// <summary>The two kinds of recording (docs/CONTRACT.md §4).</summary>
public enum RecordingKind
{
    /// <summary>Samples in time order at <c>sampleRateHz</c>.</summary>
    Waveform,
    /// <summary>Amplitude spectra of <c>bins</c> bins, <c>binHz</c> apart, one frame every <c>framePeriodS</c>.</summary>
    Spectrum,
}
