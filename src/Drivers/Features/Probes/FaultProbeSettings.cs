namespace SensorOdl.Drivers.Features.Probes;

/// <summary>Settings of both probe families; <see cref="FaultProbes"/> uses the one matching its format's kind.</summary>
public sealed record FaultProbeSettings(SpectrumProbeSettings? Spectrum = null, WaveformProbeSettings? Waveform = null)
{
    public static FaultProbeSettings Default { get; } = new();

    public SpectrumProbeSettings SpectrumOrDefault => Spectrum ?? SpectrumProbeSettings.Default;

    public WaveformProbeSettings WaveformOrDefault => Waveform ?? WaveformProbeSettings.Default;
}
