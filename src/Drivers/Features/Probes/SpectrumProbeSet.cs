using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Drivers.Features.Probes;

/// <summary>
/// The spectrum probes (harmonics, sidebands, broadband) on amplitude spectra whose features are ln(a + 10⁻³) of bins
/// 1 … N − 1 (<see cref="SpectrumFeatureConfiguration.LogAmplitude"/>). Works on amplitudes, so a probe made from a stored
/// feature vector (inverted: a = e^f − 10⁻³) matches one made from the frame to float rounding. Bins a probe leaves alone
/// keep their feature bit for bit. Holds its buffers: allocates nothing per call.
/// </summary>
internal sealed class SpectrumProbeSet
{
    public static readonly FaultProbeKind[] Kinds = [FaultProbeKind.Harmonics, FaultProbeKind.Sidebands, FaultProbeKind.Broadband];

    private const float LogFloor = 1e-3f; // FeatureTransform's: ln(a + 0.001)
    private const int CarrierSeparation = 2; // bins: a line is a few bins wide
    private readonly FeatureTransform _transform;
    private readonly SpectrumProbeSettings _settings;
    private readonly double _fullScale;
    private readonly int _bins;               // N, DC included
    private readonly double _binHz;
    private readonly float[] _amplitudes;     // [N] the source, bin 0 = 0
    private readonly float[] _logs;           // [N] its features by bin, bin 0 unused
    private readonly float[] _prominence;     // [N]
    private readonly float[] _work;           // [N] one probe's amplitudes
    private readonly float[] _features;       // [N − 1] the source's features when made from a frame
    private readonly int[] _carriers;         // [SidebandCarriers] bins of the strongest lines
    private int _carrierCount;

    public SpectrumProbeSet(FeatureTransform transform, SpectrumProbeSettings settings)
    {
        if (transform.Configuration is not SpectrumFeatureConfiguration { Scale: SpectrumFeatureConfiguration.LogAmplitude } spectrum)
            throw new NotSupportedException($"Spectrum probes need features scaled as {SpectrumFeatureConfiguration.LogAmplitude}; the transform is {transform.Configuration}.");
        if (!(spectrum.BinHz > 0)) throw new ArgumentException($"Spectrum probes need a positive bin width, not {spectrum.BinHz} Hz.");
        _transform = transform;
        _settings = settings;
        _fullScale = transform.Format.FullScale;
        _bins = spectrum.Bins;
        _binHz = spectrum.BinHz;
        _amplitudes = new float[_bins];
        _logs = new float[_bins];
        _prominence = new float[_bins];
        _work = new float[_bins];
        _features = new float[_bins - 1];
        _carriers = new int[settings.SidebandCarriers];
    }

    /// <summary>Rotation rate f_r found in the last source (Hz): the fundamental of its strongest harmonic comb.</summary>
    public double RotationHz { get; private set; } = double.NaN;

    /// <summary>Strongest line of the last source (Hz): the first carrier of the sidebands.</summary>
    public double DominantHz { get; private set; } = double.NaN;

    // frame: one spectrum of the transform's format  probes: [Kinds.Length, N − 1]
    public WindowFlags Make(SensorFrame frame, Span<float> probes)
    {
        var flags = _transform.Extract(frame, _features);
        ReadOnlySpan<float> bins = frame.Channel(0);
        _amplitudes[0] = 0;
        for (int i = 1; i < _bins; i++)
        {
            float a = i < bins.Length ? bins[i] : 0;
            _amplitudes[i] = float.IsFinite(a) ? MathF.Max(a, 0) : 0; // as FeatureTransform reads it
        }
        Perturb(_features, probes);
        return flags;
    }

    // features: [N − 1] ln(a + 0.001) of bins 1 … N − 1  probes: [Kinds.Length, N − 1]
    public void MakeFromFeatures(ReadOnlySpan<float> features, Span<float> probes)
    {
        _amplitudes[0] = 0;
        for (int i = 1; i < _bins; i++) _amplitudes[i] = MathF.Max(MathF.Exp(features[i - 1]) - LogFloor, 0);
        Perturb(features, probes);
    }

    private void Perturb(ReadOnlySpan<float> features, Span<float> probes)
    {
        int d = _bins - 1;
        _logs[0] = 0;
        features[..d].CopyTo(_logs.AsSpan(1));
        SpectrumLines.Prominence(_logs, _prominence);
        double rotationBins = SpectrumLines.CombFundamental(_prominence, _settings.RotationMinHz / _binHz, _settings.RotationMaxHz / _binHz, _settings.CombTeeth);
        _carrierCount = SpectrumLines.StrongestLines(_prominence, (int)Math.Ceiling(_settings.MinLineHz / _binHz), CarrierSeparation, _carriers);
        float ceiling = SpectrumCeiling.Of(_logs, _amplitudes, _settings.Ceiling, _fullScale);
        RotationHz = rotationBins * _binHz;
        DominantHz = _carrierCount > 0 ? _carriers[0] * _binHz : double.NaN;

        for (int p = 0; p < Kinds.Length; p++)
        {
            _amplitudes.CopyTo(_work, 0);
            switch (Kinds[p])
            {
                case FaultProbeKind.Harmonics: RaiseHarmonics(rotationBins); break;
                case FaultProbeKind.Sidebands: AddSidebands(rotationBins); break;
                default: LiftBroadband(); break;
            }
            Write(features, ceiling, probes.Slice(p * d, d));
        }
    }

    // the lines round(k·f_r) ± W, k = 1 … K, times the gain (set from the source, so overlapping lines are raised once)
    private void RaiseHarmonics(double rotationBins)
    {
        float gain = (float)_settings.HarmonicGain;
        int w = _settings.LineHalfWidthBins;
        for (int k = 1; k <= _settings.Harmonics; k++)
        {
            int centre = (int)Math.Round(k * rotationBins);
            if (centre - w >= _bins) break;
            for (int b = Math.Max(centre - w, 1); b <= Math.Min(centre + w, _bins - 1); b++) _work[b] = _amplitudes[b] * gain;
        }
    }

    // for each carrier f_c: level × a(f_c) added on round(f_c ± m·f_r) ± W, m = 1 … M (sums where sidebands meet)
    private void AddSidebands(double rotationBins)
    {
        int w = _settings.LineHalfWidthBins;
        for (int c = 0; c < _carrierCount; c++)
        {
            int carrier = _carriers[c];
            float added = (float)_settings.SidebandLevel * _amplitudes[carrier];
            for (int m = 1; m <= _settings.SidebandOrders; m++)
            {
                AddLine((int)Math.Round(carrier - m * rotationBins), w, added);
                AddLine((int)Math.Round(carrier + m * rotationBins), w, added);
            }
        }
    }

    private void AddLine(int centre, int halfWidth, float added)
    {
        for (int b = Math.Max(centre - halfWidth, 1); b <= Math.Min(centre + halfWidth, _bins - 1); b++) _work[b] += added;
    }

    // every bin at or above the lift's frequency, times the gain
    private void LiftBroadband()
    {
        float gain = (float)_settings.BroadbandGain;
        for (int b = Math.Max((int)Math.Ceiling(_settings.BroadbandFromHz / _binHz), 1); b < _bins; b++) _work[b] = _amplitudes[b] * gain;
    }

    // row: [N − 1]; changed bins clipped at the ceiling (never below their source), unchanged bins copied
    private void Write(ReadOnlySpan<float> features, float ceiling, Span<float> row)
    {
        for (int b = 1; b < _bins; b++)
        {
            float a = _work[b], source = _amplitudes[b];
            if (a == source)
            {
                row[b - 1] = features[b - 1];
                continue;
            }
            a = MathF.Min(a, MathF.Max(ceiling, source));
            row[b - 1] = a == source ? features[b - 1] : MathF.Log(MathF.Max(a, 0) + LogFloor);
        }
    }
}
