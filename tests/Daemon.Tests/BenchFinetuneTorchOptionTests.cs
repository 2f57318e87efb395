namespace SensorOdl.Daemon.Tests;

/// <summary>`bench finetune --compare-torch` when the peer cannot run, and `--threads`' bounds: no fine-tuning starts.</summary>
public sealed class BenchFinetuneTorchOptionTests : IDisposable
{
    readonly string _cache = Directory.CreateTempSubdirectory("sensorodl-torch-option-").FullName;

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    [Theory]
    [InlineData("/nonexistent/python3", "could not start /nonexistent/python3")]
    [InlineData("/bin/false", "/bin/false cannot import torch")]
    public async Task Without_python_or_torch_the_comparison_stops_with_one_line_and_exit_1(string python, string expected)
    {
        (int code, string output, string error) = await CliRunner.Run("bench", "finetune", "--compare-torch", "--python", python, "--cache", _cache);
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.StartsWith("sensorodl: bench finetune --compare-torch: ", error);
        Assert.Contains(expected, error);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Empty(Directory.GetFiles(_cache)); // it stopped before fetching data or pretraining
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65")]
    public async Task Threads_outside_1_to_64_are_a_usage_error(string threads)
    {
        (int code, _, string error) = await CliRunner.Run("bench", "finetune", "--threads", threads, "--cache", _cache);
        Assert.Equal(2, code);
        Assert.Contains("threads", error);
    }
}

public sealed class BenchFinetuneTorchTableTests
{
    [Fact]
    public void The_table_puts_the_peer_beside_our_methods_with_both_ratios()
    {
        var report = new SensorOdl.Daemon.Bench.FinetuneReport("d", 8, 1, 1,
            [new("no-ft", 0.1, 0, 0, 0), new("skip2-lora", 0.8115, 0.1, 10, 100, 0.08), new("skip2-lora-q4", 0.81, 0.12, 10, 20, 0.1)],
            4, 32, 0.01f, 75, 10, 0.9, 1, "m", new SensorOdl.Daemon.Bench.BaseForwardResult(8, 4, 416_520, 0.001, 6.7, 0.001, 6.7, []),
            new SensorOdl.Daemon.Bench.TorchPeerReport("1.13.0a0", 1, 0.0743, [new("skip2-lora", 1.2, 0.815, 1.0)]));
        string[] lines = SensorOdl.Daemon.Cli.BenchFinetuneVerb.Table(report).Split('\n');
        Assert.Contains("torch÷ours", lines[1]);
        string skip2 = lines.Single(l => l.StartsWith("skip2-lora ", StringComparison.Ordinal));
        Assert.Contains("81.50 %", skip2);
        Assert.Contains("12.0×", skip2);   // 1.2 s ÷ 0.1 s
        Assert.Contains("12.5×", skip2);   // 1.0 s ÷ 0.08 s of CPU
        Assert.EndsWith("-", lines.Single(l => l.StartsWith("skip2-lora-q4", StringComparison.Ordinal)).TrimEnd());
        Assert.Contains(lines, l => l.Contains("torch 1.13.0a0, 1 thread(s)"));
    }
}
