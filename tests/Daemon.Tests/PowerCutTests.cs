using SensorOdl.Daemon.Tests.PowerCut;
using Xunit.Abstractions;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// docs/RELIABILITY.md: the state code is cut off at random instants on a disk that loses or tears whatever was not
/// synced, and every promise is checked after each cut. CI runs 500 cuts; bench/soak.sh powercut N runs more.
/// </summary>
public sealed class PowerCutTests(ITestOutputHelper output)
{
    [Fact]
    public void Five_hundred_power_cuts_break_no_promise()
    {
        PowerCutResult result = PowerCutHarness.Run(cuts: 500, seed: 1);
        output.WriteLine($"{result.Summary} ({result.Lives} lives, {result.Syncs} syncs; living {result.Living.TotalSeconds:F1} s, checking {result.Checking.TotalSeconds:F1} s)");
        Assert.True(result.Violations.Count == 0, $"{result.Summary}:\n{string.Join('\n', result.Violations.Take(20))}");
    }

    /// <summary>bench/soak.sh powercut N: runs when SENSORODL_POWERCUT_CUTS is set, and writes its summary to SENSORODL_POWERCUT_REPORT.</summary>
    [Fact]
    [Trait("Category", "Soak")]
    public void Soak()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("SENSORODL_POWERCUT_CUTS"), out int cuts)) return;
        int seed = int.TryParse(Environment.GetEnvironmentVariable("SENSORODL_POWERCUT_SEED"), out int s) ? s : 7;
        string? report = Environment.GetEnvironmentVariable("SENSORODL_POWERCUT_REPORT");
        var started = DateTime.UtcNow;
        PowerCutResult result = PowerCutHarness.Run(cuts, seed, line => { if (report is not null) File.AppendAllText(report, line + "\n"); });
        string lines = string.Join('\n', result.Violations.Take(50).Append(
            $"{result.Lives} lives, {result.Syncs} syncs, {(DateTime.UtcNow - started).TotalSeconds:F0} s (living {result.Living.TotalSeconds:F0} s, checking {result.Checking.TotalSeconds:F0} s), seed {seed}").Append(result.Summary));
        if (report is not null) File.AppendAllText(report, lines + "\n");
        Assert.True(result.Violations.Count == 0, lines);
    }
}
