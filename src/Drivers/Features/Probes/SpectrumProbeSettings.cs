namespace SensorOdl.Drivers.Features.Probes;

/// <summary>
/// How strong the spectrum probes are, and where they look. Amplitudes are in the spectrum's own unit; the defaults
/// were chosen on <c>data/cooling-fan</c> (src/Drivers/README.md, "Fault probes").
/// </summary>
/// <param name="RotationMinHz">Lowest rotation rate f_r the harmonic-comb estimate considers (Hz).</param>
/// <param name="RotationMaxHz">Highest rotation rate f_r the estimate considers (Hz); the fan turns at 25–42 Hz.</param>
/// <param name="CombTeeth">Harmonics k·f (k = 1 … this) whose prominences (log amplitude over the neighbourhood's) are averaged to score a candidate f.</param>
/// <param name="Harmonics">Lines k·f_r, k = 1 … this, raised by <see cref="HarmonicGain"/>.</param>
/// <param name="HarmonicGain">Factor on the harmonic lines (1 = no change).</param>
/// <param name="LineHalfWidthBins">Bins on each side of a line's centre bin that belong to the line.</param>
/// <param name="MinLineHz">Carrier lines f_c are sought at or above this frequency (Hz), away from DC.</param>
/// <param name="SidebandCarriers">The strongest lines (by prominence over their neighbourhood) that get sidebands.</param>
/// <param name="SidebandLevel">Amplitude added at f_c ± m·f_r, as a share of the carrier's amplitude (0 = no change).</param>
/// <param name="SidebandOrders">Sidebands on each side of a carrier (m = 1 … this).</param>
/// <param name="BroadbandFromHz">The broadband lift multiplies every bin at or above this frequency (Hz).</param>
/// <param name="BroadbandGain">Factor of the broadband lift (1 = no change).</param>
/// <param name="Ceiling">Largest amplitude a probe may write (the sensor's saturation). 0 = the format's full scale when known, else
/// the frame's own maximum when two or more bins share it (a saturated spectrum, as in the fan data), else none.</param>
public sealed record SpectrumProbeSettings(
    double RotationMinHz = 15,
    double RotationMaxHz = 45,
    int CombTeeth = 12,
    int Harmonics = 20,
    double HarmonicGain = 7,
    int LineHalfWidthBins = 2,
    double MinLineHz = 5,
    int SidebandCarriers = 6,
    double SidebandLevel = 0.5,
    int SidebandOrders = 2,
    double BroadbandFromHz = 100,
    double BroadbandGain = 2,
    double Ceiling = 0)
{
    public static SpectrumProbeSettings Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    public void Validate()
    {
        if (!(RotationMinHz > 0) || !(RotationMaxHz >= RotationMinHz) || double.IsInfinity(RotationMaxHz))
            throw new ArgumentException($"RotationMinHz and RotationMaxHz must satisfy 0 < min ≤ max, not {RotationMinHz} and {RotationMaxHz}.");
        if (CombTeeth < 1) throw new ArgumentException($"CombTeeth must be at least 1, not {CombTeeth}.");
        if (Harmonics < 1) throw new ArgumentException($"Harmonics must be at least 1, not {Harmonics}.");
        ProbeSettingChecks.NonNegative(HarmonicGain, nameof(HarmonicGain));
        if (LineHalfWidthBins < 0) throw new ArgumentException($"LineHalfWidthBins must be ≥ 0, not {LineHalfWidthBins}.");
        ProbeSettingChecks.NonNegative(MinLineHz, nameof(MinLineHz));
        ProbeSettingChecks.NonNegative(SidebandLevel, nameof(SidebandLevel));
        if (SidebandCarriers < 1) throw new ArgumentException($"SidebandCarriers must be at least 1, not {SidebandCarriers}.");
        if (SidebandOrders < 1) throw new ArgumentException($"SidebandOrders must be at least 1, not {SidebandOrders}.");
        ProbeSettingChecks.NonNegative(BroadbandFromHz, nameof(BroadbandFromHz));
        ProbeSettingChecks.NonNegative(BroadbandGain, nameof(BroadbandGain));
        if (!(Ceiling >= 0)) throw new ArgumentException($"Ceiling must be ≥ 0 (0 = automatic), not {Ceiling}.");
    }
}
