namespace SensorOdl.Drivers.Simulation;

/// <summary>Injected faults, each a severity from 0 (none) to 1 (severe).</summary>
/// <param name="Imbalance">Mass imbalance: raises the once-per-revolution line.</param>
/// <param name="OuterRace">Outer-race defect: impacts at BPFO ringing the structural resonance.</param>
/// <param name="InnerRace">Inner-race defect: impacts at BPFI, modulated once per revolution as the defect passes the load zone.</param>
public sealed record MachineFaults(double Imbalance = 0, double OuterRace = 0, double InnerRace = 0)
{
    public static MachineFaults None { get; } = new();

    public bool Any => Imbalance > 0 || OuterRace > 0 || InnerRace > 0;

    public void Validate()
    {
        if (!(Imbalance >= 0 && Imbalance <= 1) || !(OuterRace >= 0 && OuterRace <= 1) || !(InnerRace >= 0 && InnerRace <= 1))
            throw new ArgumentException($"Fault severities must lie in [0, 1]: {this}.");
    }
}
