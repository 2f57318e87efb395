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
