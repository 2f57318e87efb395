namespace SensorOdl.Drivers.Simulation;

/// <summary>
/// <c>Sensor:Simulation</c> (docs/CONTRACT.md §2): what the simulated machine runs like. A named <see cref="Drift"/> and
/// <see cref="Fault"/> from <see cref="MachineScenarios"/>, and optional numbers that override single values of them.
/// </summary>
public sealed record SimulatedMachineSettings
{
    private const string Section = "Sensor:Simulation";

    public DriftKind Drift { get; init; }
    public FaultKind Fault { get; init; }

    /// <summary>Overrides <see cref="MachineCondition.ShaftHz"/> of the drift.</summary>
    public double? ShaftHz { get; init; }
    /// <summary>Overrides <see cref="MachineCondition.Load"/> of the drift.</summary>
    public double? Load { get; init; }
    /// <summary>Overrides <see cref="MachineCondition.MountingGain"/> of the drift.</summary>
    public double? MountingGain { get; init; }
    /// <summary>Overrides <see cref="MachineCondition.ResonanceHz"/> of the drift.</summary>
    public double? ResonanceHz { get; init; }
    /// <summary>Overrides <see cref="MachineCondition.NoiseG"/> of the drift.</summary>
    public double? NoiseG { get; init; }
    /// <summary>Overrides <see cref="MachineFaults.Imbalance"/> of the fault.</summary>
    public double? Imbalance { get; init; }
    /// <summary>Overrides <see cref="MachineFaults.OuterRace"/> of the fault.</summary>
    public double? OuterRace { get; init; }
    /// <summary>Overrides <see cref="MachineFaults.InnerRace"/> of the fault.</summary>
    public double? InnerRace { get; init; }

    /// <summary>The named drift's condition with the set numbers in place of its own. Only for settings without <see cref="Problems"/>.</summary>
    public MachineCondition Condition()
    {
        MachineCondition named = MachineScenarios.Condition(Drift);
        return new MachineCondition(ShaftHz ?? named.ShaftHz, Load ?? named.Load, MountingGain ?? named.MountingGain,
            ResonanceHz ?? named.ResonanceHz, NoiseG ?? named.NoiseG);
    }

    /// <summary>The named fault's severities with the set numbers in place of its own. Only for settings without <see cref="Problems"/>.</summary>
    public MachineFaults Faults()
    {
        MachineFaults named = MachineScenarios.Faults(Fault);
        return new MachineFaults(Imbalance ?? named.Imbalance, OuterRace ?? named.OuterRace, InnerRace ?? named.InnerRace);
    }

    /// <summary>Every value that cannot work, one line each: <c>Sensor:Simulation:Key: problem.</c></summary>
    public IEnumerable<string> Problems()
    {
        if (!Enum.IsDefined(Drift))
            yield return $"{Section}:Drift: '{Drift}' is not one of {string.Join(", ", Enum.GetValues<DriftKind>().Select(d => d.ToConfigValue()))}.";
        if (!Enum.IsDefined(Fault))
            yield return $"{Section}:Fault: '{Fault}' is not one of {string.Join(", ", Enum.GetValues<FaultKind>().Select(f => f.ToConfigValue()))}.";
        foreach (var (key, value, valid, range) in Numbers())
            if (value is { } v && !(double.IsFinite(v) && valid(v)))
                yield return $"{Section}:{key}: must be {range}, not {v}.";
    }

    /// <summary>
    /// What <c>record</c> writes into the manifest: <c>drift</c> and <c>fault</c> by name, and each set number under its
    /// camel-case key (<c>shaftHz</c>), so a recording says what the machine really ran like.
    /// </summary>
    public Dictionary<string, object?> ManifestFields()
    {
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["drift"] = Drift.ToConfigValue(),
            ["fault"] = Fault.ToConfigValue(),
        };
        foreach (var (key, value, _, _) in Numbers())
            if (value is { } v) fields[char.ToLowerInvariant(key[0]) + key[1..]] = v;
        return fields;
    }

    private static bool Severity(double v) => v is >= 0 and <= 1;

    private (string Key, double? Value, Func<double, bool> Valid, string Range)[] Numbers() =>
    [
        (nameof(ShaftHz), ShaftHz, v => v >= 0, "0 or more"),
        (nameof(Load), Load, Severity, "from 0 to 1"),
        (nameof(MountingGain), MountingGain, v => v > 0, "more than 0"),
        (nameof(ResonanceHz), ResonanceHz, v => v > 0, "more than 0"),
        (nameof(NoiseG), NoiseG, v => v >= 0, "0 or more"),
        (nameof(Imbalance), Imbalance, Severity, "from 0 to 1"),
        (nameof(OuterRace), OuterRace, Severity, "from 0 to 1"),
        (nameof(InnerRace), InnerRace, Severity, "from 0 to 1"),
    ];
}
