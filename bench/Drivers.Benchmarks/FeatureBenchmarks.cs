using BenchmarkDotNet.Attributes;
using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Simulation;

namespace SensorOdl.Drivers.Benchmarks;

/// <summary>Features of one window: the per-window cost of the pipeline's first stage. Budget: ≤ 50 µs, 0 B allocated.</summary>
[MemoryDiagnoser]
public class FeatureBenchmarks
{
    private FeatureExtractor _extractor = null!;
    private float[] _window = null!;
    private float[] _spectrum = null!;
    private float[] _features = null!;

    [Params(1024)]
    public int WindowSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _extractor = new FeatureExtractor(new FeatureSettings(12_000, WindowSize, BandCount: 16, FullScale: 16));
        _window = new float[WindowSize];
        new SimulatedMachine(12_000, seed: 1, faults: new MachineFaults(OuterRace: 0.5)).Generate(_window);
        _spectrum = new float[512];
        for (int i = 0; i < _spectrum.Length; i++) _spectrum[i] = Math.Abs(_window[i]);
        _features = new float[_extractor.FeatureCount];
    }

    [Benchmark(Description = "window features (Hann FFT, 16 bands, stats)")]
    public WindowFlags WindowFeatures() => _extractor.Extract(_window, _features);

    [Benchmark(Description = "spectrum-frame features (512 bins)")]
    public WindowFlags SpectrumFeatures() => _extractor.ExtractSpectrum(_spectrum, 1.0, _features);
}
