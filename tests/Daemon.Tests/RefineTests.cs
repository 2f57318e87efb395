using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Drivers.Simulation;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// Adaptation:RefineMinutes: a promoted drift version that flags more than twice its budget on the windows after it — a
/// condition of the new normal its windows did not cover, too rare to declare drift again — has its episode refitted.
/// The daemon's own pipeline on the simulated machine.
/// </summary>
public sealed class RefineTests : IDisposable
{
    readonly string _state = Directory.CreateTempSubdirectory("sensorodl-refine-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    /// <param name="refineMinutes">null: the daemon's default.</param>
    static DaemonSettings Settings(double? refineMinutes, int minSamples = 120)
    {
        // No recalibration refine (Adaptation:RecalibrateBelow, RecalibrationRefineTests): the refine here is the watch's.
        var adaptation = new AdaptationSettings { MinIntervalMinutes = 0, MinSamples = minSamples, RecalibrateBelow = 0 };
        return new()
        {
            Storage = new() { SampleIntervalSeconds = 0 },
            Adaptation = refineMinutes is double minutes ? adaptation with { RefineMinutes = minutes } : adaptation,
        };
    }

    /// <summary>
    /// Remounts the machine, streams until the drift version is promoted, then streams <paramref name="windows"/> windows of
    /// the new mounting with every 6th one noisier (a condition the drift job never saw: about 17 % of the windows, far
    /// over twice a 1 % budget, far under the drift level) → the rig and the time of the change.
    /// </summary>
    static (SimulatedPipeline Rig, double ChangedS) AdaptThenStreamAnUnseenCondition(string state, double? refineMinutes, int windows, int minSamples = 120)
    {
        SimulatedPipeline rig = SimulatedPipeline.Start(state, Settings(refineMinutes, minSamples), seed: 21, trainingWindows: 300);
        rig.Stream(100);
        double changedS = rig.Clock.Seconds;
        rig.Remount();
        for (int i = 0; i < 2000 && rig.Pipeline.Adaptation.Promoted == 0; i++) rig.Next();
        Assert.Equal(1, rig.Pipeline.Adaptation.Promoted);
        MachineCondition mounted = rig.Machine.Machine.Condition;
        for (int i = 0; i < windows; i++)
        {
            rig.Machine.Machine.SetCondition(i % 6 == 5 ? mounted with { NoiseG = mounted.NoiseG * 4 } : mounted);
            rig.Next();
        }
        return (rig, changedS);
    }

    [Fact]
    public void A_drift_version_over_twice_its_budget_after_promotion_is_refitted_on_its_whole_episode()
    {
        (SimulatedPipeline rig, double changedS) = AdaptThenStreamAnUnseenCondition(_state, refineMinutes: 60, windows: 400);
        using (rig)
        {
            // No drift again: the refit came from the watch, not from the detector.
            Assert.DoesNotContain("drift_detected", rig.Types.SkipWhile(t => t != "model_promoted").TakeWhile(t => t != "training_started"));
            IReadOnlyList<FinishedJob> jobs = rig.Pipeline.Adaptation.History;
            Assert.True(jobs.Count >= 2, $"no refine job: {string.Join(", ", rig.Types.Distinct())}");
            FinishedJob first = jobs[0], refine = jobs[1];
            Assert.StartsWith("refine: version 2 flagged ", Reason(rig, 1));
            // The whole episode: the first job's windows (from the change on) and the noisy ones since.
            Assert.Subset(refine.Ids.ToHashSet(), first.Ids.ToHashSet());
            Assert.True(refine.Ids.Length >= first.Ids.Length + Settings(60).Drift.Window, $"{refine.Ids.Length} windows against the first job's {first.Ids.Length}");
            double firstS = rig.Pipeline.Stores.Samples.Newest(100_000).First(s => s.Id == refine.Ids.Min()).Ts / 1000.0;
            Assert.InRange(firstS, changedS - 1, changedS + 3);
        }
    }

    [Fact]
    public void A_refine_that_came_due_collects_MinSamples_new_windows_before_it_fits()
    {
        // The refine comes due once the watch has counted enough flagged windows and the detector's settle wait is over; with
        // MinSamples 30 it has collected and fitted within 400 windows of the promotion.
        (SimulatedPipeline quick, _) = AdaptThenStreamAnUnseenCondition(_state, refineMinutes: 60, windows: 400, minSamples: 30);
        using (quick)
        {
            Assert.Equal(2, quick.Pipeline.Adaptation.History.Count);
            Assert.Null(quick.Pipeline.Status.ToJson(0)["refine"]); // its verdict is in
        }

        // With 300 to collect it is still collecting at the end, and says so.
        string other = Directory.CreateTempSubdirectory("sensorodl-refine-").FullName;
        try
        {
            (SimulatedPipeline slow, _) = AdaptThenStreamAnUnseenCondition(other, refineMinutes: 60, windows: 400, minSamples: 300);
            using (slow)
            {
                Assert.Single(slow.Pipeline.Adaptation.History);
                Assert.Equal(DaemonState.Collecting, slow.Pipeline.Status.Activity);
                Assert.Equal(300, (int)slow.Pipeline.Status.ToJson(0)["collecting"]!["wanted"]!);
                System.Text.Json.Nodes.JsonNode refine = slow.Pipeline.Status.ToJson(0)["refine"]!; // what the collection is for
                Assert.Equal(2, (int)refine["version"]!);
                Assert.StartsWith("refine: version 2 flagged ", (string)refine["reason"]!);
            }
        }
        finally { Directory.Delete(other, recursive: true); }
    }

    [Fact]
    public void The_daemon_watches_and_refines_by_default()
    {
        Assert.Equal(60, new AdaptationSettings().RefineMinutes);
        (SimulatedPipeline rig, _) = AdaptThenStreamAnUnseenCondition(_state, refineMinutes: null, windows: 400);
        using (rig)
        {
            Assert.Equal(2, rig.Pipeline.Adaptation.History.Count);
            Assert.StartsWith("refine: version 2 flagged ", Reason(rig, 1));
        }
    }

    [Fact]
    public void RefineMinutes_0_leaves_the_drift_version_as_it_is()
    {
        (SimulatedPipeline rig, _) = AdaptThenStreamAnUnseenCondition(_state, refineMinutes: 0, windows: 240);
        using (rig)
        {
            Assert.Single(rig.Pipeline.Adaptation.History);
            Assert.Equal(2, rig.Pipeline.Model.Current.Info.Version);
        }
    }

    /// <summary>The reason of the <paramref name="index"/>-th training_started event (the job's description).</summary>
    static string Reason(SimulatedPipeline rig, int index) =>
        (string)rig.Events.Events.Where(e => e.Type == "training_started").ElementAt(index).Fields!["reason"]!;
}
