using SensorOdl.Daemon.Cli;
using SensorOdl.Daemon.Fleet.Rollouts;

namespace SensorOdl.Daemon.Tests.Fleet.Rollouts;

/// <summary>`--stages`: cumulative shares of the sorted devices, every device in exactly one stage.</summary>
public sealed class RolloutStagesTests
{
    static string[] Devices(int n) => [.. Enumerable.Range(0, n).Select(i => $"dev-{i:D4}").Reverse()];

    [Fact]
    public void Ten_devices_in_10_50_100_percent_are_1_then_4_then_5_in_id_order()
    {
        List<List<string>> plan = RolloutStages.Plan(Devices(10), RolloutStages.Parse("10,50,100%"));
        Assert.Equal([1, 4, 5], plan.Select(s => s.Count));
        Assert.Equal(["dev-0000"], plan[0]);
        Assert.Equal([.. Devices(10).Order(StringComparer.Ordinal)], plan.SelectMany(s => s));
    }

    [Fact]
    public void Every_stage_adds_at_least_one_device_and_stages_past_the_last_device_are_dropped()
    {
        // 1 % of 3 rounds up to one device, 2 % would add none and still adds one; with 2 devices the third stage has none left.
        Assert.Equal([1, 1, 1], RolloutStages.Plan(Devices(3), RolloutStages.Parse("1,2,100")).Select(s => s.Count));
        Assert.Equal([1, 1], RolloutStages.Plan(Devices(2), RolloutStages.Parse("1,2,100")).Select(s => s.Count));
        Assert.Single(RolloutStages.Plan(Devices(1), RolloutStages.Parse("1,10,50,100%")));
        Assert.Equal([2, 18, 80, 100], RolloutStages.Plan(Devices(200), RolloutStages.Parse("1%,10%,50%,100%")).Select(s => s.Count));
    }

    [Fact]
    public void The_plan_does_not_depend_on_the_order_devices_were_found_in()
    {
        string[] devices = Devices(7);
        IReadOnlyList<double> shares = RolloutStages.Parse("30,100%");
        Assert.Equal(RolloutStages.Plan(devices, shares), RolloutStages.Plan(devices.Reverse(), shares));
    }

    [Theory]
    [InlineData("10,50", "the last stage must be 100 %")]
    [InlineData("50,10,100%", "must increase")]
    [InlineData("0,100%", "'0' is not a share")]
    [InlineData("10,abc,100%", "'abc' is not a share")]
    [InlineData("150%", "'150%' is not a share")]
    [InlineData("", "is not a share")]
    public void Bad_stages_are_a_usage_error_saying_why(string text, string why)
    {
        var e = Assert.Throws<UsageException>(() => RolloutStages.Parse(text));
        Assert.Contains(why, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("10m", 600)]
    [InlineData("5s", 5)]
    [InlineData("90", 90)]
    [InlineData("1.5h", 5400)]
    [InlineData("0", 0)]
    public void Min_wait_reads_seconds_minutes_and_hours(string text, double seconds) =>
        Assert.Equal(seconds, RolloutOptions.Duration("min-wait", text).TotalSeconds);

    [Theory]
    [InlineData("ten")]
    [InlineData("-1m")]
    [InlineData("2d")]
    [InlineData("25h")]
    public void A_bad_min_wait_is_a_usage_error(string text) =>
        Assert.Contains("--min-wait", Assert.Throws<UsageException>(() => RolloutOptions.Duration("min-wait", text)).Message);

    [Theory]
    [InlineData("5/s", 5)]
    [InlineData("0.5/s", 0.5)]
    [InlineData("20", 20)]
    public void Rate_reads_commands_per_second(string text, double rate) => Assert.Equal(rate, RolloutOptions.Rate(text));

    [Theory]
    [InlineData("0/s")]
    [InlineData("fast")]
    [InlineData("5/min")]
    public void A_bad_rate_is_a_usage_error(string text) => Assert.Throws<UsageException>(() => RolloutOptions.Rate(text));
}
