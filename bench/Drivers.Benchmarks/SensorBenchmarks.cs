using BenchmarkDotNet.Attributes;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Simulation;

namespace SensorOdl.Drivers.Benchmarks;

/// <summary>Producing one 1,024-sample window from the simulated machine (as fast as possible).</summary>
[MemoryDiagnoser]
public class SensorBenchmarks
{
    private SimulatedMachineSensor _sensor = null!;
    private SensorFrame _frame = null!;

    [GlobalSetup]
    public void Setup()
    {
        _sensor = new SimulatedMachineSensor(new SimulationSettings(12_000, 1024, Seed: 1, Speed: 0), condition: null,
            faults: new MachineFaults(InnerRace: 0.3));
        _frame = _sensor.CreateFrame();
    }

    [GlobalCleanup]
    public void Cleanup() => _sensor.Dispose();

    [Benchmark(Description = "simulated machine window (1,024 samples)")]
    public SensorReadResult SimulatedWindow() => _sensor.Read(_frame);
}
