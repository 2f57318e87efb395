using System.Diagnostics;
using SensorOdl.Learning.Tensors;

namespace SensorOdl.Daemon.Bench;

public sealed record GemmKernelTime(string Kernel, double MedianGflops, double BestGflops);

public sealed record GemmShapeResult(string Layer, string Product, int M, int K, int N, IReadOnlyList<GemmKernelTime> Kernels);

public sealed record GemmReport(int Rounds, IReadOnlyList<GemmShapeResult> Shapes, string Machine);

/// <summary>
/// Every GEMM kernel this machine runs, on the products of LeNet-5's forward pass (batch 32), interleaved
/// round by round so that a shared machine's load falls on all of them alike; the ratios are the result.
/// </summary>
public static class GemmBenchmark
{
    enum Product { Plain, TransposedB }

    static readonly (string Layer, Product Product, int M, int K, int N)[] Shapes =
    [
        ("conv1 (per image)", Product.Plain, 6, 25, 784),
        ("conv2 (per image)", Product.Plain, 16, 150, 100),
        ("fc1 (batch 32)", Product.TransposedB, 32, 400, 120),
        ("fc2 (batch 32)", Product.TransposedB, 32, 120, 84),
    ];

    public static GemmReport Run(int rounds, CancellationToken cancellation)
    {
        // Tiered JIT recompiles hot code in the background: a first, untimed pass and a pause let it finish.
        Measure(Math.Min(rounds, 5), cancellation);
        Thread.Sleep(500);
        return new GemmReport(rounds, Measure(rounds, cancellation), FinetuneBenchmark.MachineDescription());
    }

    static List<GemmShapeResult> Measure(int rounds, CancellationToken cancellation)
    {
        GemmKernel[] kernels = [.. new[] { GemmKernel.Scalar, GemmKernel.Vector128, GemmKernel.Vector256 }.Where(Gemm.IsSupported)];
        var results = new List<GemmShapeResult>();
        var random = new Random(1);
        foreach ((string layer, Product product, int m, int k, int n) in Shapes)
        {
            float[] a = Values(m * k, random), b = Values(k * n, random), c = new float[m * n];
            double flops = 2.0 * m * k * n;
            int repeats = (int)Math.Max(1, 4e6 / flops);
            var seconds = new double[kernels.Length][];
            for (int i = 0; i < kernels.Length; i++) seconds[i] = new double[rounds];
            for (int round = 0; round < rounds; round++)
            {
                cancellation.ThrowIfCancellationRequested();
                for (int i = 0; i < kernels.Length; i++)
                {
                    long start = Stopwatch.GetTimestamp();
                    for (int r = 0; r < repeats; r++)
                    {
                        if (product == Product.Plain) Gemm.Multiply(a, b, c, m, k, n, kernel: kernels[i]);
                        else Gemm.MultiplyTransposedB(a, b, c, m, k, n, kernel: kernels[i]);
                    }
                    seconds[i][round] = Stopwatch.GetElapsedTime(start).TotalSeconds / repeats;
                }
            }
            results.Add(new GemmShapeResult(layer, product == Product.Plain ? "a·b" : "a·bᵀ", m, k, n,
                [.. kernels.Select((kernel, i) => new GemmKernelTime(kernel.ToString(),
                    flops / Median(seconds[i]) / 1e9, flops / seconds[i].Min() / 1e9))]));
        }
        return results;
    }

    static float[] Values(int count, Random random) => [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1))];

    static double Median(double[] values)
    {
        double[] sorted = [.. values.Order()];
        return sorted[sorted.Length / 2];
    }
}
