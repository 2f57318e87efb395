using BenchmarkDotNet.Running;

namespace SensorOdl.Drivers.Benchmarks;

public static class Program
{
    // dotnet run -c Release --project bench/Drivers.Benchmarks -- --filter '*' --job short
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
