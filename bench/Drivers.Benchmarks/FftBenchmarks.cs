using System.Numerics;
using BenchmarkDotNet.Attributes;
using SensorOdl.Drivers.Features;

namespace SensorOdl.Drivers.Benchmarks;

/// <summary>
/// The FFT alone: the drivers' table-driven float radix-2 (complex, and real via half size) against FftSharp 2.2.0 (double Complex, in place, twiddles
/// from Math.Cos/Math.Sin inside the butterflies). Both include copying the input in.
/// </summary>
[MemoryDiagnoser]
public class FftBenchmarks
{
    private Fft _fft = null!;
    private RealFft _realFft = null!;
    private float[] _input = null!;
    private float[] _re = null!;
    private float[] _im = null!;
    private Complex[] _complex = null!;

    [Params(1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _fft = new Fft(Size);
        _realFft = new RealFft(Size);
        var random = new Random(1);
        _input = Enumerable.Range(0, Size).Select(_ => (float)random.NextDouble()).ToArray();
        _re = new float[Size];
        _im = new float[Size];
        _complex = new Complex[Size];
    }

    [Benchmark(Baseline = true, Description = "SensorOdl Fft (float, tables)")]
    public float Drivers()
    {
        _input.CopyTo(_re, 0);
        Array.Clear(_im);
        _fft.Forward(_re, _im);
        return _re[1];
    }

    [Benchmark(Description = "SensorOdl RealFft (N/2 complex + split)")]
    public float DriversReal()
    {
        _realFft.Forward(_input, _re, _im);
        return _re[1];
    }

    [Benchmark(Description = "FftSharp.FFT.Forward (Complex, in place)")]
    public double FftSharp()
    {
        for (int i = 0; i < _input.Length; i++) _complex[i] = new Complex(_input[i], 0);
        global::FftSharp.FFT.Forward(_complex);
        return _complex[1].Real;
    }
}
