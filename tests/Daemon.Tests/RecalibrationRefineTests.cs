using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Storage;
using SensorOdl.Daemon.Pipeline;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// Adaptation:RecalibrateBelow: a drift version whose threshold was read from fewer held-out windows than the setting is
/// refitted once on its whole episode, the windows since included, and that refit is judged as a recalibration; so is a
/// version the refine watch finds flagging under half its budget. The daemon's own pipeline on the simulated machine (its
/// first drift job holds out about 100 windows).
/// </summary>
public sealed class RecalibrationRefineTests : IDisposable
{
    readonly string _state = Directory.CreateTempSubdirectory("sensorodl-recalibrate-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    /// <summary>The watch off by default: what refits is the recalibration alone.</summary>
    static DaemonSettings Settings(int recalibrateBelow, double refineMinutes = 0, double probationMinutes = 30) => new()
    {
        Storage = new() { SampleIntervalSeconds = 0 },
        Adaptation = new AdaptationSettings
        {
            MinIntervalMinutes = 0, MinSamples = 60, RefineMinutes = refineMinutes, RecalibrateBelow = recalibrateBelow, ProbationMinutes = probationMinutes,
        },
    };

    /// <summary>Remounts the machine and streams until the drift version is promoted → the rig, the promotion's held-out windows.</summary>
    static (SimulatedPipeline Rig, int HeldOut) AdaptToARemount(string state, int recalibrateBelow)
    {
        SimulatedPipeline rig = SimulatedPipeline.Start(state, Settings(recalibrateBelow), seed: 21, trainingWindows: 300);
        rig.Stream(100);
        rig.Remount();
        for (int i = 0; i < 2000 && rig.Pipeline.Adaptation.Promoted == 0; i++) rig.Next();
        Assert.Equal(1, rig.Pipeline.Adaptation.Promoted);
        ModelVersionRecord promoted = rig.Pipeline.Stores.Registry.Get(2)!;
        return (rig, (int)(promoted.Metrics["validationWindows"] + promoted.Metrics["calibrationWindows"]));
    }

    [Fact]
    public void A_version_whose_threshold_rests_on_few_held_out_windows_is_refitted_on_its_whole_episode()
    {
        (SimulatedPipeline rig, int heldOut) = AdaptToARemount(_state, recalibrateBelow: 1000);
        using (rig)
        {
            Assert.InRange(heldOut, 60, 999);
            rig.Stream(300); // the settle wait (Drift:Window + Persistence) and MinSamples new windows
            IReadOnlyList<FinishedJob> jobs = rig.Pipeline.Adaptation.History;
            Assert.Equal(2, jobs.Count);
            string reason = Reason(rig, 1);
            Assert.StartsWith("refine: version 2's threshold was read from ", reason);
            Assert.Contains("(Adaptation:RecalibrateBelow 1000)", reason);
            Assert.Subset(jobs[1].Ids.ToHashSet(), jobs[0].Ids.ToHashSet());
            Assert.True(jobs[1].Ids.Length >= jobs[0].Ids.Length + 60, $"{jobs[1].Ids.Length} windows against the first job's {jobs[0].Ids.Length}");
            // Its version (promoted or not) is not recalibrated again.
            rig.Stream(300);
            Assert.Equal(2, rig.Pipeline.Adaptation.History.Count);
        }
    }

    [Fact]
    public void A_version_with_enough_held_out_windows_or_RecalibrateBelow_0_is_left_as_it_is()
    {
        Assert.Equal(300, new AdaptationSettings().RecalibrateBelow);
        (SimulatedPipeline rig, int heldOut) = AdaptToARemount(_state, recalibrateBelow: 0);
        using (rig)
        {
            rig.Stream(300);
            Assert.Single(rig.Pipeline.Adaptation.History);
        }
        string other = Directory.CreateTempSubdirectory("sensorodl-recalibrate-").FullName;
        try
        {
            (SimulatedPipeline enough, _) = AdaptToARemount(other, recalibrateBelow: heldOut);
            using (enough)
            {
                enough.Stream(300);
                Assert.Single(enough.Pipeline.Adaptation.History);
            }
        }
        finally { Directory.Delete(other, recursive: true); }
    }

    [Fact]
    public void A_due_recalibration_outlives_a_restart()
    {
        (SimulatedPipeline rig, int heldOut) = AdaptToARemount(_state, recalibrateBelow: 1000);
        rig.Stream(10); // due, still waiting
        Assert.StartsWith("refine: version 2's threshold was read from ", (string)rig.Pipeline.Status.ToJson(0)["refine"]!["reason"]!);
        using SimulatedPipeline restarted = rig.Restart();
        Assert.True(restarted.Pipeline.Stores.Loop.Load()!.Refine!.Recalibrates);
        restarted.Stream(300);
        FinishedJob refit = Assert.Single(restarted.Pipeline.Adaptation.History);
        Assert.StartsWith("refine: version 2's threshold was read from ", Reason(restarted, 0));
        Assert.True(refit.Ids.Length > 60);
    }

    [Fact]
    public void A_version_that_flags_far_under_its_budget_after_its_promotion_has_its_threshold_read_again()
    {
        // Probation off: on the simulated machine a recalibrated version can measure 2.3 % on the windows that follow, and the
        // probation (ProbationTests) rolls it back to the version flagging none; what is tested here is that it comes.
        using SimulatedPipeline rig = SimulatedPipeline.Start(_state, Settings(recalibrateBelow: 0, refineMinutes: 60, probationMinutes: 0), seed: 21, trainingWindows: 300);
        rig.Stream(100);
        rig.Remount();
        for (int i = 0; i < 2000 && rig.Pipeline.Adaptation.Promoted == 0; i++) rig.Next();
        Assert.Equal(1, rig.Pipeline.Adaptation.Promoted);
        // Version 2 as an unlucky tail of its held-out windows would have left it: its threshold three times as high, above
        // every window of its new normal.
        ModelInUse inUse = rig.Pipeline.Model.Current;
        Assert.True(rig.Pipeline.Model.Replace(inUse, inUse with { Model = inUse.Model.WithAdapters(inUse.Model.Adapted, inUse.Model.Threshold * 3, inUse.Model.Reference) }));
        for (int i = 0; i < 2000 && rig.Pipeline.Adaptation.History.Count < 2; i++) rig.Next();

        Assert.Equal(2, rig.Pipeline.Adaptation.History.Count);
        string reason = Reason(rig, 1);
        Assert.StartsWith("refine: version 2 flagged 0.0 % of the ", reason);
        Assert.EndsWith("windows after its promotion (budget 1 %): its threshold is read again", reason);
        FinishedJob refit = rig.Pipeline.Adaptation.History[1];
        Assert.True(refit.Promoted, refit.Reason);
        // Read again from the whole episode, version 3's threshold lets part of its budget through.
        int flagged = 0;
        for (int i = 0; i < 1000; i++) flagged += rig.Next() is { Scored: true } r && r.Score > r.Threshold ? 1 : 0;
        Assert.Equal(3, rig.Pipeline.Model.Current.Info.Version);
        Assert.InRange(flagged, 1, 30);
    }

    static string Reason(SimulatedPipeline rig, int index) =>
        (string)rig.Events.Events.Where(e => e.Type == "training_started").ElementAt(index).Fields!["reason"]!;
}
