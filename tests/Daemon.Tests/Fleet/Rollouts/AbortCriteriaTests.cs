using SensorOdl.Daemon.Cli;
using SensorOdl.Daemon.Fleet.Rollouts;

namespace SensorOdl.Daemon.Tests.Fleet.Rollouts;

/// <summary>`--abort-if`: outcome criteria over the devices sent so far, quality criteria against each device's own before-figures.</summary>
public sealed class AbortCriteriaTests
{
    [Fact]
    public void The_issue_example_parses_into_a_share_and_a_factor()
    {
        IReadOnlyList<AbortCriterion> criteria = AbortCriteria.Parse("rejected>20%, anomalyRate>2x");
        Assert.Equal([new AbortCriterion("rejected", '%', 20), new AbortCriterion("anomalyRate", 'x', 2)], criteria);
        Assert.Equal("rejected>20%,anomalyRate>2x", string.Join(",", criteria));
        Assert.Equal(4, AbortCriteria.Parse("failed>2,timed_out>0%,drift>1.5x,drift>0.5").Count);
        Assert.Equal(3, AbortCriteria.Parse(AbortCriteria.Default).Count);
    }

    [Theory]
    [InlineData("rejected", "is not metric>value")]
    [InlineData("rejected>", "needs a number")]
    [InlineData("rejected>-1%", "needs a number")]
    [InlineData("latency>2x", "names no metric")]
    [InlineData("rejected>2x", "give a share (20%) or a count (2)")]
    [InlineData("anomalyRate>0.5x", "factor of at least 1")]
    [InlineData("anomalyRate>3", "needs a factor (2x) or a share (5%)")]
    [InlineData("drift>20%", "needs a factor (2x) or a statistic")]
    [InlineData("failed>120%", "above 100 %")]
    [InlineData("rejected>20%,,anomalyRate>2x", "is not metric>value")]
    public void Bad_criteria_are_a_usage_error_in_one_line(string text, string why)
    {
        var e = Assert.Throws<UsageException>(() => AbortCriteria.Parse(text));
        Assert.Contains(why, e.Message);
        Assert.StartsWith($"--abort-if '{text}'", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Outcome_shares_count_the_devices_sent_so_far()
    {
        IReadOnlyList<AbortCriterion> criteria = AbortCriteria.Parse("rejected>20%,failed>1");
        Assert.Null(AbortCriteria.OutcomeBreach(criteria, ["succeeded", "succeeded", "succeeded", "succeeded", "rejected"])); // 20 % is not above 20 %
        Assert.Contains("rejected>20%: 2 of 5 devices rejected (40 %)",
            AbortCriteria.OutcomeBreach(criteria, ["succeeded", "succeeded", "succeeded", "rejected", "rejected"]));
        Assert.Null(AbortCriteria.OutcomeBreach(criteria, ["failed", "succeeded", "succeeded", "succeeded", "succeeded", "succeeded"]));
        Assert.Contains("failed>1", AbortCriteria.OutcomeBreach(criteria, ["failed", "failed", "succeeded", "succeeded", "succeeded", "succeeded", "succeeded", "succeeded", "succeeded", "succeeded"]));
        Assert.Null(AbortCriteria.OutcomeBreach(criteria, []));
        Assert.Contains("1 of 1 device rejected", AbortCriteria.OutcomeBreach(AbortCriteria.Parse("rejected>0%"), ["rejected"]));
    }

    [Fact]
    public void An_anomaly_rate_factor_compares_each_device_with_itself_with_a_floor_for_quiet_devices()
    {
        IReadOnlyList<AbortCriterion> criteria = AbortCriteria.Parse("anomalyRate>2x");
        var noisyBefore = new DeviceFigures(2, 0.10, 60, 0.02);
        Assert.Null(AbortCriteria.QualityBreach(criteria, "a", noisyBefore, new DeviceFigures(3, 0.19, 60, 0.02)));
        Assert.Contains("a flags 25 % of windows, 10 % before", AbortCriteria.QualityBreach(criteria, "a", noisyBefore, new DeviceFigures(3, 0.25, 60, 0.02)));
        // A device that flagged nothing before is held to twice 1 %, not to twice zero.
        var quietBefore = new DeviceFigures(2, 0, 60, 0.02);
        Assert.Null(AbortCriteria.QualityBreach(criteria, "b", quietBefore, new DeviceFigures(3, 0.015, 60, 0.02)));
        Assert.NotNull(AbortCriteria.QualityBreach(criteria, "b", quietBefore, new DeviceFigures(3, 0.05, 60, 0.02)));
        // One flagged window in 23 is 4.3 %, over twice 1 %, but says nothing (an integration run aborted on it).
        Assert.Null(AbortCriteria.QualityBreach(criteria, "b", quietBefore, new DeviceFigures(3, 1 / 23.0, 23, 0.02)));
        Assert.NotNull(AbortCriteria.QualityBreach(criteria, "b", quietBefore, new DeviceFigures(3, 3 / 23.0, 23, 0.02)));
        // Too few windows after (or none before to compare with): not judged.
        Assert.Null(AbortCriteria.QualityBreach(criteria, "c", noisyBefore, new DeviceFigures(3, 1.0, DeviceFigures.MinWindows - 1, 0.02)));
        Assert.Null(AbortCriteria.QualityBreach(criteria, "d", new DeviceFigures(2, null, 0, null), new DeviceFigures(3, 1.0, 60, 0.02)));
    }

    [Fact]
    public void Absolute_and_drift_criteria()
    {
        var before = new DeviceFigures(1, 0.01, 50, 0.1);
        Assert.NotNull(AbortCriteria.QualityBreach(AbortCriteria.Parse("anomalyRate>5%"), "a", before, new DeviceFigures(2, 0.06, 50, 0.1)));
        Assert.Null(AbortCriteria.QualityBreach(AbortCriteria.Parse("anomalyRate>5%"), "a", before, new DeviceFigures(2, 0.05, 50, 0.1)));
        Assert.Contains("drift statistic 0.25, 0.1 before", AbortCriteria.QualityBreach(AbortCriteria.Parse("drift>2x"), "a", before, new DeviceFigures(2, 0.01, 50, 0.25)));
        Assert.Null(AbortCriteria.QualityBreach(AbortCriteria.Parse("drift>2x"), "a", before, new DeviceFigures(2, 0.01, 50, 0.19)));
        Assert.NotNull(AbortCriteria.QualityBreach(AbortCriteria.Parse("drift>0.5"), "a", before, new DeviceFigures(2, 0.01, 50, 0.6)));
        // Outcome criteria never judge quality, quality criteria never judge outcomes.
        Assert.Null(AbortCriteria.QualityBreach(AbortCriteria.Parse("rejected>0%"), "a", before, new DeviceFigures(2, 1, 50, 9)));
        Assert.Null(AbortCriteria.OutcomeBreach(AbortCriteria.Parse("anomalyRate>2x"), ["rejected"]));
    }

    [Theory]
    [InlineData("--abort-if", "rejected>2x")]
    [InlineData("--stages", "10,50")]
    [InlineData("--min-wait", "soon")]
    [InlineData("--rate", "0")]
    [InlineData("--id", "a/b")]
    public async Task The_rollout_verb_exits_2_with_one_line_before_connecting(string option, string value)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        // Port 9 (discard) is never a broker: a usage error must come before any connection attempt.
        int code = await CommandLine.RunAsync(["fleet", "rollout", "retrain", "--all", option, value, "--broker", "mqtt://127.0.0.1:9"], stdout, stderr);
        Assert.Equal(2, code);
        string[] lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("sensorodl: ", lines[0]);
    }

    [Fact]
    public async Task Rollout_status_resume_and_abort_without_an_id_are_usage_errors()
    {
        foreach (string verb in new[] { "resume", "abort" })
        {
            var stderr = new StringWriter();
            Assert.Equal(2, await CommandLine.RunAsync(["fleet", "rollout", verb, "--broker", "mqtt://127.0.0.1:9"], new StringWriter(), stderr));
            Assert.Contains($"fleet rollout {verb} ID", stderr.ToString());
        }
        Assert.Equal(2, await CommandLine.RunAsync(["fleet", "rollout", "rollback", "--all", "--broker", "mqtt://127.0.0.1:9"], new StringWriter(), new StringWriter()));
    }
}
