namespace SensorOdl.Drivers.Features.Probes;

/// <summary>
/// How strong the waveform probes are. Levels are multiples of the window's standard deviation (per channel, so a DC
/// offset such as gravity does not count); the defaults were chosen on <c>data/cwru</c> (src/Drivers/README.md, "Fault probes").
/// </summary>
/// <param name="ShaftHz">Shaft rate f_r (Hz). 0 = the replayed recording's <c>rpm</c> / 60 when it has one, else the largest line of
/// the window's spectrum between <see cref="MinShaftHz"/> and <see cref="MaxShaftHz"/> (coarse: one bin is rate / window size).</param>
/// <param name="MinShaftHz">Lowest shaft rate the estimate considers (Hz).</param>
/// <param name="MaxShaftHz">Highest shaft rate the estimate considers (Hz).</param>
/// <param name="ImbalanceLevel">Amplitude of the 1× sinusoid, × the window's standard deviation (0 = no change).</param>
/// <param name="OuterRaceLevel">Envelope amplitude of each outer-race impulse, × the window's standard deviation.</param>
/// <param name="InnerRaceLevel">Largest envelope amplitude of the inner-race impulses, × the window's standard deviation.</param>
/// <param name="BpfoOrder">BPFO / f_r. Default: SKF 6205-2RS (CWRU drive end), (n/2)(1 − (d/D)cos φ) with n = 9, d/D = 0.2033, φ = 0.</param>
/// <param name="BpfiOrder">BPFI / f_r; same bearing, (n/2)(1 + (d/D)cos φ).</param>
/// <param name="ResonanceHz">The structural resonance each impulse rings (Hz); at most 0.4 × the sample rate is used.</param>
/// <param name="RingDecayS">Time constant of the ring's exponential decay (s).</param>
public sealed record WaveformProbeSettings(
    double ShaftHz = 0,
    double MinShaftHz = 10,
    double MaxShaftHz = 100,
    double ImbalanceLevel = 1,
    double OuterRaceLevel = 3,
    double InnerRaceLevel = 3,
    double BpfoOrder = 3.5848,
    double BpfiOrder = 5.4152,
    double ResonanceHz = 3000,
    double RingDecayS = 0.0008)
{
    public static WaveformProbeSettings Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    public void Validate()
    {
        if (!(ShaftHz >= 0) || double.IsInfinity(ShaftHz)) throw new ArgumentException($"ShaftHz must be finite and ≥ 0 (0 = estimate), not {ShaftHz}.");
        if (!(MinShaftHz > 0) || !(MaxShaftHz >= MinShaftHz) || double.IsInfinity(MaxShaftHz))
            throw new ArgumentException($"MinShaftHz and MaxShaftHz must satisfy 0 < min ≤ max, not {MinShaftHz} and {MaxShaftHz}.");
        ProbeSettingChecks.NonNegative(ImbalanceLevel, nameof(ImbalanceLevel));
        ProbeSettingChecks.NonNegative(OuterRaceLevel, nameof(OuterRaceLevel));
        ProbeSettingChecks.NonNegative(InnerRaceLevel, nameof(InnerRaceLevel));
        ProbeSettingChecks.Positive(BpfoOrder, nameof(BpfoOrder));
        ProbeSettingChecks.Positive(BpfiOrder, nameof(BpfiOrder));
        ProbeSettingChecks.Positive(ResonanceHz, nameof(ResonanceHz));
        ProbeSettingChecks.Positive(RingDecayS, nameof(RingDecayS));
    }
}
