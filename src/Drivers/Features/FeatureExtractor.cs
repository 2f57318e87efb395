namespace SensorOdl.Drivers.Features;

/// <summary>
/// Turns one window of samples (or one spectrum frame) into a feature vector:
/// <c>[log10 band power × B, rms, peak, crest, kurtosis, dominantHz]</c> (see <see cref="FeatureLayout"/>).
/// Holds all its buffers, so <see cref="Extract"/> allocates nothing. One instance per thread.
/// </summary>
public sealed class FeatureExtractor
{
    private readonly FeatureSettings _settings;
    private readonly HannWindow _window;
    private readonly RealFft _fft;
    private readonly LogBands _bands;
    private readonly float[] _finite;
    private readonly float[] _re;
    private readonly float[] _im;
    private readonly float[] _amplitudes;
    private readonly double _binHz;
    private LogBands? _spectrumBands;
    private double _spectrumBinHz;
    private int _spectrumBinCount;

    public FeatureExtractor(FeatureSettings settings)
    {
        settings.Validate();
        _settings = settings;
        int n = settings.WindowSize;
        _window = new HannWindow(n);
        _fft = new RealFft(n);
        _binHz = settings.SampleRateHz / n;
        _bands = new LogBands(settings.BandCount, settings.MinHz, settings.EffectiveMaxHz, _binHz, n / 2 + 1);
        _finite = new float[n];
        _re = new float[n / 2 + 1];
        _im = new float[n / 2 + 1];
        _amplitudes = new float[n / 2 + 1];
        Layout = new FeatureLayout(settings.BandCount);
    }

    public FeatureSettings Settings => _settings;
    public FeatureLayout Layout { get; }
    public int FeatureCount => Layout.Count;
    public LogBands Bands => _bands;
    public double BinHz => _binHz;

    /// <summary>Single-sided amplitude spectrum of the last waveform window ([WindowSize/2 + 1], in the samples' unit).</summary>
    public ReadOnlySpan<float> Amplitudes => _amplitudes;

    /// <summary>Bin of the largest amplitude (DC excluded) in the last waveform window.</summary>
    public int DominantBin { get; private set; }

    // samples: [n ≤ WindowSize] one channel, time order  features: [FeatureCount]
    public WindowFlags Extract(ReadOnlySpan<float> samples, Span<float> features)
    {
        CheckFeatureSpan(features);
        int n = Math.Min(samples.Length, _settings.WindowSize);
        var x = _finite.AsSpan(0, n);
        var flags = SampleQuality.CopyFinite(samples[..n], x);
        if (n < _settings.WindowSize) flags |= WindowFlags.ShortWindow;
        flags |= SampleQuality.DetectClipping(x, _settings.FullScale, _settings.FlatTopRun);
        flags |= SampleQuality.DetectStuck(x);

        var stats = WindowStatistics.Of(x);
        if (stats.Variance <= 1e-30) flags |= WindowFlags.Flat;

        ComputeAmplitudes(x, (float)stats.Mean);
        _bands.Reduce(_amplitudes, _window.EquivalentNoiseBandwidthBins, features);
        var layout = Layout;
        features[layout.Rms] = (float)stats.Rms;
        features[layout.Peak] = (float)stats.Peak;
        features[layout.Crest] = (float)stats.CrestFactor;
        features[layout.Kurtosis] = (float)stats.Kurtosis;
        DominantBin = PeakBin(_amplitudes);
        features[layout.DominantHz] = (float)(InterpolatedBin(_amplitudes, DominantBin) * _binHz);
        return flags;
    }

    /// <summary>
    /// Features of a frame that is already an amplitude spectrum (e.g. a <c>spectrum</c> recording): the same band
    /// layout, RMS from Parseval, the dominant frequency; peak, crest and kurtosis are 0 and <see cref="WindowFlags.NoWaveform"/> is set.
    /// </summary>
    // amplitudes: [bins], bin k at k·binHz  features: [FeatureCount]
    public WindowFlags ExtractSpectrum(ReadOnlySpan<float> amplitudes, double binHz, Span<float> features, LogBands? bands = null)
    {
        CheckFeatureSpan(features);
        var flags = WindowFlags.NoWaveform;
        var a = _amplitudes.Length >= amplitudes.Length ? _amplitudes.AsSpan(0, amplitudes.Length) : new float[amplitudes.Length];
        flags |= SampleQuality.CopyFinite(amplitudes, a);
        flags |= SampleQuality.DetectStuck(a, singleValueOnly: true);
        bands ??= CachedSpectrumBands(binHz, amplitudes.Length);
        bands.Reduce(a, 1.0, features);
        double power = 0;
        for (int k = 1; k < a.Length; k++) power += (double)a[k] * a[k] / 2;
        if (power <= 1e-30) flags |= WindowFlags.Flat;
        var layout = Layout;
        features[layout.Rms] = (float)Math.Sqrt(power);
        features[layout.Peak] = 0;
        features[layout.Crest] = 0;
        features[layout.Kurtosis] = 0;
        int peak = PeakBin(a);
        features[layout.DominantHz] = (float)(InterpolatedBin(a, peak) * binHz);
        return flags;
    }

    /// <summary>Bands for spectra with their own bin spacing; build once per recording format and pass to <see cref="ExtractSpectrum"/>.</summary>
    public LogBands SpectrumBands(double binHz, int binCount)
    {
        double maxHz = Math.Min(_settings.EffectiveMaxHz, binHz * (binCount - 1));
        double minHz = Math.Min(_settings.MinHz, maxHz / 2);
        return new LogBands(_settings.BandCount, minHz, maxHz, binHz, binCount);
    }

    private LogBands CachedSpectrumBands(double binHz, int binCount)
    {
        if (_spectrumBands is null || _spectrumBinHz != binHz || _spectrumBinCount != binCount)
        {
            _spectrumBands = SpectrumBands(binHz, binCount);
            _spectrumBinHz = binHz;
            _spectrumBinCount = binCount;
        }
        return _spectrumBands;
    }

    private void ComputeAmplitudes(ReadOnlySpan<float> x, float mean)
    {
        var window = _window.Coefficients;
        var windowed = _finite.AsSpan(0, _settings.WindowSize);
        for (int i = 0; i < x.Length; i++) windowed[i] = (x[i] - mean) * window[i]; // in place: x aliases _finite
        windowed[x.Length..].Clear();
        _fft.Forward(windowed, _re, _im);
        // single-sided amplitude: a sine of amplitude A on bin k gives A at k
        float scale = (float)(2.0 / (_settings.WindowSize * _window.CoherentGain));
        for (int k = 0; k < _amplitudes.Length; k++)
            _amplitudes[k] = MathF.Sqrt(_re[k] * _re[k] + _im[k] * _im[k]) * scale;
        _amplitudes[0] *= 0.5f;
        _amplitudes[^1] *= 0.5f;
    }

    private static int PeakBin(ReadOnlySpan<float> a)
    {
        int best = Math.Min(1, a.Length - 1);
        for (int k = 2; k < a.Length; k++)
            if (a[k] > a[best]) best = k;
        return best;
    }

    // parabolic interpolation through the peak and its neighbours, in bins
    private static double InterpolatedBin(ReadOnlySpan<float> a, int k)
    {
        if (k <= 0 || k >= a.Length - 1) return Math.Max(k, 0);
        double left = a[k - 1], centre = a[k], right = a[k + 1];
        double denominator = left - 2 * centre + right;
        if (Math.Abs(denominator) < 1e-30) return k;
        double offset = 0.5 * (left - right) / denominator;
        return k + Math.Clamp(offset, -0.5, 0.5);
    }

    private void CheckFeatureSpan(Span<float> features)
    {
        if (features.Length < FeatureCount)
            throw new ArgumentException($"The feature span must hold {FeatureCount} values.", nameof(features));
    }
}
