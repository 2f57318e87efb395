namespace SensorOdl.Drivers.Simulation;

/// <summary>The simulated machine sensor (<c>Sensor:Kind = simulated</c>).</summary>
/// <param name="SampleRateHz">Sample rate (Hz); 12 kHz matches the CWRU recordings.</param>
/// <param name="WindowSize">Samples per window.</param>
/// <param name="Seed">Noise seed: the same seed gives the same samples.</param>
/// <param name="Speed">Time factor: 1 = real time, 0 = as fast as possible (demo, tests).</param>
/// <param name="FullScale">Full scale of the simulated accelerometer, in g (clipping is flagged at it).</param>
/// <param name="Condition">How the machine runs from the start; null = <see cref="MachineCondition.Default"/>.</param>
/// <param name="Faults">Faults from the start; null = none.</param>
public sealed record SimulationSettings(
    double SampleRateHz = 12_000,
    int WindowSize = 1024,
    int Seed = 1,
    double Speed = 1,
    double FullScale = 16,
    MachineCondition? Condition = null,
    MachineFaults? Faults = null);
