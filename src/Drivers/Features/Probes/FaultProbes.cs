using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Drivers.Features.Probes;

/// <summary>
/// Synthetic fault probes: the signatures faults are known to produce, applied to copies of a NORMAL frame, so that a
/// model adapted without any labelled fault can be checked to still flag them. Spectra: <see cref="FaultProbeKind.Harmonics"/>,
/// <see cref="FaultProbeKind.Sidebands"/>, <see cref="FaultProbeKind.Broadband"/>; waveforms: <see cref="FaultProbeKind.Imbalance"/>,
/// <see cref="FaultProbeKind.OuterRace"/>, <see cref="FaultProbeKind.InnerRace"/>. The frame itself is never changed.
/// Spectrum probes can also be made from a stored feature vector (<see cref="MakeFromFeatures"/>); waveform probes need
/// the raw window. Holds its own <see cref="FeatureTransform"/> and buffers: allocates nothing per call. One instance per thread.
/// </summary>
public sealed class FaultProbes
{
    private readonly SpectrumProbeSet? _spectrum;
    private readonly WaveformProbeSet? _waveform;

    public FaultProbes(SensorFormat format, FaultProbeSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(format);
        settings ??= FaultProbeSettings.Default;
        Settings = settings;
        Transform = new FeatureTransform(format);
        if (format.Kind == FrameKind.Spectrum)
        {
            settings.SpectrumOrDefault.Validate();
            _spectrum = new SpectrumProbeSet(Transform, settings.SpectrumOrDefault);
            Kinds = Array.AsReadOnly(SpectrumProbeSet.Kinds);
        }
        else
        {
            settings.WaveformOrDefault.Validate();
            _waveform = new WaveformProbeSet(Transform, settings.WaveformOrDefault);
            Kinds = Array.AsReadOnly(WaveformProbeSet.Kinds);
        }
        Names = Array.AsReadOnly(Kinds.Select(k => k.Name()).ToArray());
    }

    public SensorFormat Format => Transform.Format;

    /// <summary>The transform the probe features are made with (the same as the daemon's for this format).</summary>
    public FeatureTransform Transform { get; }

    /// <summary>The settings given; the family matching <see cref="Format"/> is the one in use.</summary>
    public FaultProbeSettings Settings { get; }

    /// <summary>Length of one probe's feature vector (= <see cref="FeatureTransform.Size"/>).</summary>
    public int Size => Transform.Size;

    /// <summary>Probes made per frame.</summary>
    public int Count => Kinds.Count;

    /// <summary>The probe in each row of the output, in order.</summary>
    public IReadOnlyList<FaultProbeKind> Kinds { get; }

    /// <summary>Their names (<see cref="FaultProbeKindExtensions.Name"/>).</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>True for spectra: their features can be inverted, so probes can be made from stored feature vectors.</summary>
    public bool CanMakeFromFeatures => _spectrum is not null;

    /// <summary>The rotation (shaft) rate the last call used, in Hz: for spectra the harmonic-comb estimate, for waveforms
    /// the configured, recorded or estimated shaft rate. NaN before the first call.</summary>
    public double LastRotationHz => _spectrum?.RotationHz ?? _waveform!.ShaftHz;

    /// <summary>Spectra: the dominant line the last call found (the sidebands' carrier), in Hz. NaN for waveforms.</summary>
    public double LastDominantHz => _spectrum?.DominantHz ?? double.NaN;

    /// <summary>
    /// Writes the features of each perturbed copy of <paramref name="normal"/>, row p = probe <see cref="Kinds"/>[p].
    /// Returns, for spectra, the frame's flags as <see cref="FeatureTransform.Extract"/> reports them; for waveforms, the union
    /// of the perturbed copies' flags (the frame's own plus anything a probe caused, e.g. clipping at full scale).
    /// </summary>
    // normal: one frame of Format (unchanged)  probeFeatures: [Count, Size]
    public WindowFlags Make(SensorFrame normal, Span<float> probeFeatures)
    {
        ArgumentNullException.ThrowIfNull(normal);
        CheckFormat(normal.Format, nameof(normal));
        CheckOutput(probeFeatures);
        return _spectrum is not null ? _spectrum.Make(normal, probeFeatures) : _waveform!.Make(normal, probeFeatures);
    }

    /// <summary>
    /// Spectra only: the same probes made from a stored feature vector (ln(a + 0.001) of bins 1 … N − 1), inverted to
    /// amplitudes a = e^f − 0.001. Agrees with <see cref="Make"/> on the frame the features came from to float rounding.
    /// Throws <see cref="NotSupportedException"/> for waveforms: their features cannot be turned back into a window.
    /// </summary>
    // features: [Size]  probeFeatures: [Count, Size]
    public void MakeFromFeatures(ReadOnlySpan<float> features, Span<float> probeFeatures)
    {
        if (_spectrum is null)
            throw new NotSupportedException("Waveform probes are made from raw windows (Make); window features cannot be inverted.");
        if (features.Length < Size)
            throw new ArgumentException($"The feature span must hold {Size} values, not {features.Length}.", nameof(features));
        CheckOutput(probeFeatures);
        _spectrum.MakeFromFeatures(features, probeFeatures);
    }

    private void CheckFormat(SensorFormat format, string parameter)
    {
        var own = Format;
        if (format.Kind != own.Kind || format.Channels != own.Channels || format.Length != own.Length
            || format.SampleRateHz != own.SampleRateHz || format.BinHz != own.BinHz)
            throw new ArgumentException($"The frame's format ({format.Kind}, {format.Channels} × {format.Length}) is not the probes' ({own.Kind}, {own.Channels} × {own.Length}).", parameter);
    }

    private void CheckOutput(Span<float> probeFeatures)
    {
        if (probeFeatures.Length < Count * Size)
            throw new ArgumentException($"The probe span must hold {Count} × {Size} values, not {probeFeatures.Length}.", nameof(probeFeatures));
    }
}
