using SensorOdl.Learning.Drift;

namespace SensorOdl.Learning.Tests;

public sealed class ChangeOnsetTests
{
    [Fact]
    public void The_onset_is_where_the_flag_rate_rose_not_where_drift_was_declared()
    {
        var random = new Random(7);
        var detector = new DriftDetector(new DriftSettings { Window = 60, Level = 0.5, Persistence = 30 }, threshold: 1f, normalRate: 0.01);
        double? declaredAt = null;
        for (int t = 0; t < 600 && declaredAt is null; t++)
        {
            // 1 % flagged before t = 200, 70 % after: a change at 200 s.
            bool flagged = random.NextDouble() < (t < 200 ? 0.01 : 0.7);
            if (detector.Observe(flagged ? 2f : 0f, t) == DriftChange.Detected) declaredAt = t;
        }
        Assert.NotNull(declaredAt);
        Assert.True(declaredAt > 250, $"drift is declared after the window and persistence fill ({declaredAt})");
        Assert.InRange(detector.OnsetS!.Value, 195, 210);
    }

    /// <summary>
    /// A new normal of which a part still scores under the threshold (a fan speed the other room hardly touches), then
    /// the part that is flagged: the flags date the change at the flagged part; the scores had left the reference
    /// median (0.5 here) at the start.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_shift_of_the_scores_under_the_threshold_dates_the_change_where_it_began(bool withMedian)
    {
        var random = new Random(11);
        var detector = new DriftDetector(new DriftSettings { Window = 60, Level = 0.5, Persistence = 30 }, threshold: 1f, normalRate: 0.01,
            referenceMedian: withMedian ? 0.5f : null);
        double? declaredAt = null;
        for (int t = 0; t < 1000 && declaredAt is null; t++)
        {
            // Before 200 s the reference's normal: uniform scores, half above the median, 1 % flagged. From 200 s
            // the new normal: 0.6–0.95 (above the median, under the threshold) until 400 s, then 70 % flagged.
            double u = random.NextDouble();
            float score = t < 200 ? (u < 0.01 ? 1.5f : (float)(u * 0.99))
                : t < 400 ? 0.6f + 0.35f * (float)u
                : u < 0.7 ? 1.5f : 0.6f + 0.35f * (float)random.NextDouble();
            if (detector.Observe(score, t) == DriftChange.Detected) declaredAt = t;
        }
        Assert.NotNull(declaredAt);
        if (withMedian) Assert.InRange(detector.OnsetS!.Value, 195, 215);
        else Assert.InRange(detector.OnsetS!.Value, 395, 415);
    }

    /// <summary>On data scored as the reference was, a declaration at any moment moves the onset back a few windows at most.</summary>
    [Fact]
    public void Scores_as_the_reference_scored_move_the_onset_by_a_few_windows_at_most()
    {
        var random = new Random(5);
        var shift = new ChangeOnset(normalRate: 0.5, driftRate: DriftDetector.ShiftedRate);
        int old = 0;
        const int windows = 20_000;
        for (int t = 0; t < windows; t++)
        {
            shift.Observe(random.NextDouble() < 0.5, t);
            if (t - shift.OnsetS > 30) old++;
        }
        Assert.True(old < windows / 100, $"{old} of {windows} windows had an excursion older than 30 windows");
    }

    [Fact]
    public void Reset_takes_the_new_versions_median()
    {
        var detector = new DriftDetector(new DriftSettings { Window = 5, Level = 0.5, Persistence = 1 }, threshold: 1f, referenceMedian: 0.5f);
        detector.Reset(threshold: 2f, referenceMedian: 1.2f);
        Assert.Equal(1.2f, detector.ReferenceMedian);
        detector.Reset(threshold: 2f);
        Assert.Null(detector.ReferenceMedian);
    }

    [Fact]
    public void Isolated_false_alarms_never_open_an_excursion_for_long()
    {
        var onset = new ChangeOnset(normalRate: 0.01, driftRate: 0.5);
        var random = new Random(3);
        int longest = 0, run = 0;
        for (int t = 0; t < 10_000; t++)
        {
            onset.Observe(random.NextDouble() < 0.02, t);
            run = onset.OnsetS is null ? 0 : run + 1;
            longest = Math.Max(longest, run);
        }
        Assert.True(longest < 60, $"an excursion lasted {longest} windows at twice the budgeted false-alarm rate"); // under a Drift:Window
    }

    [Fact]
    public void Reset_forgets_the_excursion()
    {
        var onset = new ChangeOnset(0.01, 0.5);
        onset.Observe(true, 5);
        Assert.Equal(5, onset.OnsetS);
        onset.Reset();
        Assert.Null(onset.OnsetS);
        Assert.Equal(0, onset.Statistic);
    }
}
