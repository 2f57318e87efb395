using System.Globalization;
using System.Text;
using SensorOdl.Daemon.Bench;

namespace SensorOdl.Daemon.Cli;

/// <summary>`sensorodl bench gemm`: the GEMM kernels on LeNet-5's shapes, side by side.</summary>
public sealed class BenchGemmVerb : IVerb
{
    public string Name => "bench gemm";
    public string Summary => "compare the matrix-product kernels (scalar, 128-bit, 256-bit) on LeNet-5's shapes";
    public string Help => """
        usage: sensorodl bench gemm [options]

        Times every matrix-product kernel this CPU runs in hardware (Scalar, Vector128, Vector256) on the
        products of LeNet-5's forward pass, one thread, interleaved round by round, and prints the median
        and best GFLOP/s of each and the median's ratio to the scalar kernel.

        options:
          --rounds N          timed rounds per shape (default 21)
          --json              print the JSON report instead of the table
          --out FILE          also write the JSON report to FILE

        """;

    public Task<int> RunAsync(ParsedArguments arguments, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        int rounds = arguments.Int("rounds", 21, 1, 10_000);
        arguments.Has("json");
        arguments.String("out");
        arguments.RejectUnknown();
        GemmReport report = GemmBenchmark.Run(rounds, cancellation);
        ReportOutput.Write(report, Table(report), arguments, stdout);
        return Task.FromResult(0);
    }

    public static string Table(GemmReport report)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"GEMM kernels, one thread, GFLOP/s median (best) of {report.Rounds} interleaved rounds");
        text.AppendLine(CultureInfo.InvariantCulture, $"{"layer",-18} {"product",-7} {"m×k×n",-12} {"kernel",-10} {"median",8} {"best",8} {"×scalar",8}");
        foreach (GemmShapeResult shape in report.Shapes)
        {
            double scalar = shape.Kernels.First(k => k.Kernel == "Scalar").MedianGflops;
            foreach (GemmKernelTime kernel in shape.Kernels)
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"{shape.Layer,-18} {shape.Product,-7} {$"{shape.M}×{shape.K}×{shape.N}",-12} {kernel.Kernel,-10} {kernel.MedianGflops,8:F1} {kernel.BestGflops,8:F1} {kernel.MedianGflops / scalar,8:F1}");
        }
        text.AppendLine(report.Machine);
        return text.ToString();
    }
}
