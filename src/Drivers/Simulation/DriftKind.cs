namespace SensorOdl.Drivers.Simulation;

/// <summary>
/// <c>Sensor:Simulation:Drift</c>: a named change in how the simulated machine runs, with nothing broken. The magnitudes are in
/// <see cref="MachineScenarios"/>. Configuration and manifests write it in lower case (<c>mounting</c>).
/// </summary>
public enum DriftKind
{
    /// <summary>The default machine, as the first-start base is trained on.</summary>
    None,
    /// <summary>Another shaft speed.</summary>
    Speed,
    /// <summary>A loaded machine.</summary>
    Load,
    /// <summary>The sensor remounted elsewhere on the housing.</summary>
    Mounting,
    /// <summary>More broadband noise.</summary>
    Noise,
}

public static class DriftKindExtensions
{
    /// <summary>The drift as configuration and manifests write it: <c>none</c>, <c>speed</c>, ….</summary>
    public static string ToConfigValue(this DriftKind drift) => drift.ToString().ToLowerInvariant();
}
