namespace SensorOdl.Drivers.Features.Probes;

/// <summary>
/// A synthetic fault signature applied to a normal frame. Spectra get <see cref="Harmonics"/>, <see cref="Sidebands"/>,
/// <see cref="Broadband"/>; waveform windows get <see cref="Imbalance"/>, <see cref="OuterRace"/>, <see cref="InnerRace"/>.
/// </summary>
public enum FaultProbeKind
{
    /// <summary>Spectrum: the lines at k·f_r (k = 1 … K, f_r the rotation estimate) raised by a factor (imbalance, a chipped blade).</summary>
    Harmonics,
    /// <summary>Spectrum: lines added at f_c ± m·f_r (m = 1, 2) around each of the strongest lines f_c (modulation at the rotation rate).</summary>
    Sidebands,
    /// <summary>Spectrum: every bin above a frequency multiplied by a factor (rubbing, looseness, a damaged fan's turbulence).</summary>
    Broadband,
    /// <summary>Waveform: a sinusoid at the shaft rate added (mass imbalance, 1×).</summary>
    Imbalance,
    /// <summary>Waveform: decaying resonance impulses at BPFO (outer-race defect).</summary>
    OuterRace,
    /// <summary>Waveform: decaying resonance impulses at BPFI, amplitude-modulated at the shaft rate (inner-race defect).</summary>
    InnerRace,
}

public static class FaultProbeKindExtensions
{
    /// <summary>The probe's name in reports and events: harmonics, sidebands, broadband, imbalance, outer-race, inner-race.</summary>
    public static string Name(this FaultProbeKind kind) => kind switch
    {
        FaultProbeKind.Harmonics => "harmonics",
        FaultProbeKind.Sidebands => "sidebands",
        FaultProbeKind.Broadband => "broadband",
        FaultProbeKind.Imbalance => "imbalance",
        FaultProbeKind.OuterRace => "outer-race",
        FaultProbeKind.InnerRace => "inner-race",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown probe kind."),
    };
}
