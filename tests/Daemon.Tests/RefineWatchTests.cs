using SensorOdl.Daemon.Adaptation;

namespace SensorOdl.Daemon.Tests;

/// <summary>The refine watch's verdict: flagged windows after a drift version's promotion against twice its false-alarm budget, and half of it.</summary>
public sealed class RefineWatchTests
{
    static RefineWatch Watch(double minutes = 60) => new(episodeStartS: 100, version: 2, minutes, minWindows: 60, budget: 0.01);

    /// <summary>Feeds <paramref name="windows"/> windows one second apart from <paramref name="startS"/>, every <paramref name="every"/>-th flagged → the window (1-based) at which a refit for <paramref name="why"/> became due, or 0.</summary>
    static int Feed(RefineWatch watch, int windows, int every, double startS = 1000, WatchFinding why = WatchFinding.OverBudget)
    {
        for (int i = 1; i <= windows; i++)
            if (watch.Observe(startS + i, every > 0 && i % every == 0) is var finding and not WatchFinding.None)
                return finding == why ? i : throw new Xunit.Sdk.XunitException($"{finding} at window {i}, not {why}");
        return 0;
    }

    [Fact]
    public void Within_its_budget_a_version_is_never_refitted()
    {
        Assert.Equal(0, Feed(Watch(), 3000, every: 150)); // 0.67 %
        Assert.Equal(0, Feed(Watch(), 3000, every: 100)); // at the budget
    }

    [Fact]
    public void Far_under_its_budget_its_threshold_is_read_again_once_that_is_significant()
    {
        RefineWatch none = Watch();
        Assert.Equal(919, Feed(none, 3000, every: 0, why: WatchFinding.UnderBudget)); // 0.995^919 < 1 %: none flagged at half the budget is that unlikely
        Assert.True(none.Over);
        RefineWatch one = Watch();
        Assert.Equal(WatchFinding.None, one.Observe(1000, flagged: true));
        Assert.InRange(Feed(one, 3000, every: 0, why: WatchFinding.UnderBudget), 1300, 1350); // one flagged: about 1,325 windows
        Assert.Equal(0, Feed(Watch(minutes: 10), 3000, every: 0)); // a watch that ends first finds nothing
    }

    [Fact]
    public void Over_its_budget_a_refit_is_due_once_the_excess_is_significant_and_not_before_the_minimum_windows()
    {
        RefineWatch watch = Watch();
        int due = Feed(watch, 3000, every: 10); // 10 % flagged
        Assert.Equal(60, due); // 6 of 60 is far over 1 %: due at the minimum count
        Assert.True(watch.Over);
        Assert.Equal(0, Feed(watch, 300, every: 2)); // once: the coordinator arms a new watch on the refit's promotion
    }

    [Fact]
    public void A_smaller_excess_needs_more_windows_to_count()
    {
        int due = Feed(Watch(), 3000, every: 20); // 5 %
        Assert.InRange(due, 150, 400);
    }

    [Fact]
    public void Between_the_budget_and_twice_it_a_version_is_left_as_it_is()
    {
        // 1.5 %: over a 1 % budget, significantly so after a few thousand windows, and still inside the 2 % bar.
        Assert.Equal(0, Feed(Watch(), 3000, every: 66));
    }

    [Fact]
    public void The_watch_ends_after_RefineMinutes_of_data_time()
    {
        RefineWatch watch = Watch(minutes: 1);
        Assert.Equal(0, Feed(watch, 59, every: 0)); // 1001 … 1059 s
        Assert.Equal(0, Feed(watch, 300, every: 1, startS: 1059)); // 1060 s still counts; from 1061, a minute after the first, nothing
        Assert.True(watch.Over);
        Assert.Equal(60, watch.Windows);
        Assert.Equal(1, watch.Flagged);
    }

    [Fact]
    public void A_re_anchored_clock_moves_the_episode_start_and_the_watch_end()
    {
        RefineWatch watch = Watch(minutes: 1);
        Feed(watch, 10, every: 0);
        watch.ShiftBy(3600);
        Assert.Equal(3700, watch.EpisodeStartS);
        Assert.Equal(0, Feed(watch, 40, every: 0, startS: 3600 + 1010)); // still inside the minute, moved
        Assert.False(watch.Over);
    }
}
