namespace SensorOdl.Drivers.Simulation;

/// <summary>
/// <c>Sensor:Simulation:Fault</c>: a named fault of the simulated machine, at the severity of <see cref="MachineScenarios"/>.
/// Configuration and manifests write it in lower case (<c>outer</c>).
/// </summary>
public enum FaultKind
{
    /// <summary>A healthy machine.</summary>
    None,
    /// <summary>Mass imbalance (<see cref="MachineFaults.Imbalance"/>).</summary>
    Imbalance,
    /// <summary>Outer-race bearing defect (<see cref="MachineFaults.OuterRace"/>).</summary>
    Outer,
    /// <summary>Inner-race bearing defect (<see cref="MachineFaults.InnerRace"/>).</summary>
    Inner,
}

public static class FaultKindExtensions
{
    /// <summary>The fault as configuration and manifests write it: <c>none</c>, <c>imbalance</c>, <c>outer</c>, <c>inner</c>.</summary>
    public static string ToConfigValue(this FaultKind fault) => fault.ToString().ToLowerInvariant();
}
