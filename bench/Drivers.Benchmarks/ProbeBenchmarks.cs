using BenchmarkDotNet.Attributes;
using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Features.Probes;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Simulation;

namespace SensorOdl.Drivers.Benchmarks;

/// <summary>
/// What the daemon adds per stored waveform window for the probe guard: the three waveform probes (imbalance, outer
/// race, inner race), each a perturbed copy through the same feature transform, beside the window's own features.
/// </summary>
[MemoryDiagnoser]
public class ProbeBenchmarks
{
    private FeatureTransform _transform = null!;
    private FaultProbes _probes = null!;
    private SensorFrame _frame = null!;
    private float[] _features = null!;
    private float[] _probeFeatures = null!;

    [GlobalSetup]
    public void Setup()
    {
        using var machine = new SimulatedMachineSensor(new SimulationSettings(12_000, 1024, Seed: 1, Speed: 0));
        _frame = machine.CreateFrame();
        machine.Read(_frame);
        _transform = new FeatureTransform(machine.Format);
        _probes = new FaultProbes(machine.Format);
        _features = new float[_transform.Size];
        _probeFeatures = new float[_probes.Count * _probes.Size];
    }

    [Benchmark(Baseline = true, Description = "window features (the daemon's transform)")]
    public WindowFlags Features() => _transform.Extract(_frame, _features);

    [Benchmark(Description = "waveform probes of the window (3 kinds, features of each)")]
    public WindowFlags Probes() => _probes.Make(_frame, _probeFeatures);
}
