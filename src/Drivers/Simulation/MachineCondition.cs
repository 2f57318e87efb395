namespace SensorOdl.Drivers.Simulation;

/// <summary>
/// How the simulated machine runs: what changes in the field without anything being broken (the drift).
/// </summary>
/// <param name="ShaftHz">Shaft speed in revolutions per second (29.95 Hz = 1,797 rpm, the CWRU motor at 0 hp).</param>
/// <param name="Load">Load from 0 (idle) to 1 (full): raises the harmonics and the bearing impacts.</param>
/// <param name="MountingGain">Transfer gain of the sensor mounting (1 = the lab's stud mount; a magnet or a different spot changes it).</param>
/// <param name="ResonanceHz">Structural resonance the bearing impacts ring at; the mounting shifts it.</param>
/// <param name="NoiseG">Standard deviation of the broadband noise, in g.</param>
public sealed record MachineCondition(
    double ShaftHz = 29.95,
    double Load = 0,
    double MountingGain = 1,
    double ResonanceHz = 3000,
    double NoiseG = 0.02)
{
    public static MachineCondition Default { get; } = new();

    public void Validate()
    {
        if (!(ShaftHz >= 0) || !(Load >= 0 && Load <= 1) || !(MountingGain > 0) || !(ResonanceHz > 0) || !(NoiseG >= 0))
            throw new ArgumentException($"Machine condition out of range: {this}.");
    }
}
