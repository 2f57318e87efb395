namespace SensorOdl.Drivers.Simulation;

/// <summary>
/// The one table of the simulated machine's named drifts and faults (<c>Sensor:Simulation:Drift</c> / <c>Fault</c>,
/// docs/CONTRACT.md §2). Each drift is a plausible field change that moves the window features of the default machine
/// well outside their normal spread; each fault stays clearly visible under every drift
/// (tests/Drivers.Tests/Simulation/MachineScenarioFeatureTests.cs measures both).
/// </summary>
public static class MachineScenarios
{
    /// <summary>Severity of every named fault: the middle of the simulator's 0–1 scale.</summary>
    public const double FaultSeverity = 0.5;

    public static MachineCondition Condition(DriftKind drift) => drift switch
    {
        DriftKind.None => MachineCondition.Default,
        // 1,797 → 1,500 rpm: the drive's set point lowered; the shaft lines move and weaken with ω²
        DriftKind.Speed => MachineCondition.Default with { ShaftHz = 25 },
        DriftKind.Load => MachineCondition.Default with { Load = 0.7 },
        // the demo's remount: a magnet base elsewhere on the housing
        DriftKind.Mounting => MachineCondition.Default with { MountingGain = 1.8, ResonanceHz = 2200, NoiseG = 0.04 },
        // three times the noise floor: a neighbouring machine or a noisier supply
        DriftKind.Noise => MachineCondition.Default with { NoiseG = 0.06 },
        _ => throw new ArgumentOutOfRangeException(nameof(drift), drift, "Not a drift."),
    };

    public static MachineFaults Faults(FaultKind fault) => fault switch
    {
        FaultKind.None => MachineFaults.None,
        FaultKind.Imbalance => new MachineFaults(Imbalance: FaultSeverity),
        FaultKind.Outer => new MachineFaults(OuterRace: FaultSeverity),
        FaultKind.Inner => new MachineFaults(InnerRace: FaultSeverity),
        _ => throw new ArgumentOutOfRangeException(nameof(fault), fault, "Not a fault."),
    };
}
