using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Learning.Tests;

/// <summary>
/// <see cref="Validation.Later"/>: a candidate is validated on the latest windows of its collection, at the threshold of
/// the earlier ones, so a collection whose new normal was still moving is not promoted on the strength of windows that
/// look like the ones it was fitted on.
/// </summary>
public sealed class ValidationSplitTests
{
    static readonly AnomalyModel Base = Rooms.Base();
    const int D = Rooms.D;

    /// <summary>Room B for the first 120 windows; then the room gains a second hum (features 5–7 up by 0.6).</summary>
    static float[] StillMoving()
    {
        float[] x = Rooms.Windows(160, 31, roomB: true);
        for (int s = 120; s < 160; s++)
            for (int i = 5; i <= 7; i++) x[s * D + i] += 0.6f;
        return x;
    }

    static CandidateReport Adapt(float[] windows, Validation validation) =>
        ModelAdapter.Adapt(Base, windows, [.. Enumerable.Range(0, windows.Length / D).Select(i => (long)i)], [],
            Rooms.Adaptation with { Validation = validation }).Report;

    [Fact]
    public void Validated_on_its_latest_windows_a_fit_of_a_still_moving_new_normal_is_not_promoted()
    {
        CandidateReport later = Adapt(StillMoving(), Validation.Later);
        Assert.False(later.Accepted, later.Reason);
        Assert.StartsWith("not covered yet", later.Reason);
        Assert.True(later.FalseAlarmsAfter > 0.2, later.Reason);
        // Interleaved, the same collection validates on windows like its fit windows and is promoted.
        CandidateReport interleaved = Adapt(StillMoving(), Validation.Interleaved);
        Assert.True(interleaved.Accepted, interleaved.Reason);
    }

    [Fact]
    public void Validated_on_its_latest_windows_a_fit_of_a_settled_new_normal_is_promoted()
    {
        CandidateReport report = Adapt(Rooms.Windows(160, 32, roomB: true), Validation.Later);
        Assert.True(report.Accepted, report.Reason);
        Assert.Equal(40, report.Validation);
        Assert.Equal(40, report.Calibration);
        Assert.Equal(80, report.Fitted);
    }

    [Fact]
    public void Blocked_holds_out_runs_of_consecutive_windows_a_quarter_each_and_fits_half()
    {
        const int run = ValidationSplit.BlockWindows;
        (int[] validation, int[] calibration, int[] fit) = ValidationSplit.Of(16 * run, Validation.Blocked);
        Assert.Equal([.. new[] { 0, 4, 8, 12 }.SelectMany(r => Enumerable.Range(r * run, run))], validation);
        Assert.Equal([.. new[] { 1, 5, 9, 13 }.SelectMany(r => Enumerable.Range(r * run, run))], calibration);
        Assert.Equal(8 * run, fit.Length);
        Assert.Equal(Enumerable.Range(0, 16 * run), validation.Concat(calibration).Concat(fit).Order());
    }

    [Theory]
    [InlineData(16, 1)]
    [InlineData(64, 4)]
    [InlineData(120, 7)]
    [InlineData(208, 8)]
    [InlineData(2000, 8)]
    public void A_small_collection_is_blocked_in_shorter_runs_so_that_every_role_gets_windows(int n, int run)
    {
        Assert.Equal(run, ValidationSplit.BlockRun(n));
        (int[] validation, int[] calibration, int[] fit) = ValidationSplit.Of(n, Validation.Blocked);
        Assert.InRange(fit.Length, n / 2 - run, n / 2 + run);
        Assert.InRange(validation.Length, n / 4 - run, n / 4 + run);
        Assert.InRange(calibration.Length, n / 4 - run, n / 4 + run);
    }

    /// <summary>Consecutive windows of a machine are alike: held out one by one, each sits next to a fitted window.</summary>
    [Theory]
    [InlineData(Validation.Interleaved, 1.0, 1.6)]
    [InlineData(Validation.Blocked, 4.0, 7.0)]
    public void Held_out_windows_lie_this_far_from_the_nearest_fitted_one(Validation how, double atLeast, double atMost)
    {
        (int[] validation, int[] calibration, int[] fit) = ValidationSplit.Of(208, how);
        double mean = validation.Concat(calibration).Average(i => fit.Min(f => Math.Abs(f - i)));
        Assert.InRange(mean, atLeast, atMost);
    }

    [Theory]
    [InlineData(0, 52, false)]
    [InlineData(2, 52, false)]
    [InlineData(3, 52, false)] // P(X ≥ 3) = 1.6 % for a 1 % budget
    [InlineData(4, 52, true)]  // 0.2 %
    [InlineData(5, 155, false)]
    [InlineData(6, 155, true)]
    public void The_budget_is_exceeded_when_that_many_false_alarms_are_unlikely_at_1_percent(int flagged, int count, bool exceeds) =>
        Assert.Equal(exceeds, ValidationSplit.ExceedsBudget(flagged / (double)count, count, 0.01));

    [Theory]
    [InlineData(0, 918, false)] // 0.995^918 = 1.01 %
    [InlineData(0, 919, true)]
    [InlineData(1, 1300, false)]
    [InlineData(1, 1350, true)]
    [InlineData(5, 1000, false)] // at the rate itself
    [InlineData(0, 0, false)]
    public void A_share_is_under_a_rate_when_that_few_flags_are_unlikely_at_1_percent(int flagged, int count, bool under) =>
        Assert.Equal(under, ValidationSplit.UnderRate(flagged, count, 0.005));

    [Fact]
    public void An_hour_of_a_fast_sensors_windows_is_weighed_as_well_as_a_minute()
    {
        // 11.7 windows a second for an hour: (1 − 2 %)^42,000 underflows a double.
        Assert.False(ValidationSplit.ExceedsBudget(1 / 42_000.0, 42_000, 0.02));
        Assert.False(ValidationSplit.ExceedsBudget(840 / 42_000.0, 42_000, 0.02)); // at the rate
        Assert.True(ValidationSplit.ExceedsBudget(1000 / 42_000.0, 42_000, 0.02));
        Assert.False(ValidationSplit.UnderRate(210, 42_000, 0.005));
        Assert.True(ValidationSplit.UnderRate(150, 42_000, 0.005));
        Assert.True(ValidationSplit.UnderRate(0, 200_000, 0.005));
    }
}
