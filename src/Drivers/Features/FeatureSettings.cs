namespace SensorOdl.Drivers.Features;

/// <summary>
/// How a window becomes a feature vector. Store it with the model: training and deployment must agree on it.
/// </summary>
/// <param name="SampleRateHz">Sample rate of the waveform (Hz).</param>
/// <param name="WindowSize">Samples per window; a power of two (it is the FFT size).</param>
/// <param name="BandCount">Number of log-spaced spectral bands.</param>
/// <param name="MinHz">Lower edge of the first band (Hz).</param>
/// <param name="MaxHz">Upper edge of the last band (Hz); 0 = Nyquist.</param>
/// <param name="FullScale">The sensor's full-scale magnitude in its unit (e.g. 16 for ±16 g); 0 = unknown,
/// then clipping is recognised as a flat top at the window's extreme.</param>
/// <param name="FlatTopRun">With an unknown full scale: consecutive equal samples at the extreme that count as clipped.</param>
public sealed record FeatureSettings(
    double SampleRateHz,
    int WindowSize = 1024,
    int BandCount = 16,
    double MinHz = 10,
    double MaxHz = 0,
    double FullScale = 0,
    int FlatTopRun = 4)
{
    /// <summary>Upper band edge actually used: <see cref="MaxHz"/>, or Nyquist when 0 or above it.</summary>
    public double EffectiveMaxHz => MaxHz <= 0 || MaxHz > SampleRateHz / 2 ? SampleRateHz / 2 : MaxHz;

    /// <summary>Length of the feature vector: bands, then RMS, peak, crest factor, kurtosis, dominant frequency.</summary>
    public int FeatureCount => BandCount + FeatureLayout.ScalarCount;

    /// <summary>
    /// Null when a model trained with <paramref name="trained"/> can score features made with these settings; otherwise
    /// one sentence naming the first difference (for the daemon's refusal to start with a mismatched model).
    /// </summary>
    public string? MismatchWith(FeatureSettings trained)
    {
        if (trained.SampleRateHz != SampleRateHz) return $"The model expects {trained.SampleRateHz} Hz; the sensor delivers {SampleRateHz} Hz.";
        if (trained.WindowSize != WindowSize) return $"The model expects windows of {trained.WindowSize} samples; the sensor delivers {WindowSize}.";
        if (trained.BandCount != BandCount || trained.MinHz != MinHz || trained.EffectiveMaxHz != EffectiveMaxHz)
            return $"The model expects {trained.BandCount} bands from {trained.MinHz} to {trained.EffectiveMaxHz} Hz; the sensor is configured for {BandCount} from {MinHz} to {EffectiveMaxHz} Hz.";
        return null;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    public void Validate()
    {
        if (!(SampleRateHz > 0) || double.IsInfinity(SampleRateHz))
            throw new ArgumentException($"SampleRateHz must be positive, not {SampleRateHz}.");
        if (WindowSize < 8 || (WindowSize & (WindowSize - 1)) != 0)
            throw new ArgumentException($"WindowSize must be a power of two of at least 8, not {WindowSize}.");
        if (BandCount < 1)
            throw new ArgumentException($"BandCount must be at least 1, not {BandCount}.");
        if (!(MinHz > 0) || MinHz >= EffectiveMaxHz)
            throw new ArgumentException($"MinHz must be above 0 and below the upper band edge {EffectiveMaxHz} Hz, not {MinHz}.");
        if (FullScale < 0 || FlatTopRun < 2)
            throw new ArgumentException("FullScale must be >= 0 and FlatTopRun >= 2.");
    }
}
