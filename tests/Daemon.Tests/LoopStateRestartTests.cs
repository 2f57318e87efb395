using System.Text.Json.Nodes;
using LiteDB;
using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Drivers.Simulation;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// The adaptation loop's state across a restart (<see cref="AdaptationLoopState"/>): a refine watch, a refine that came
/// due, a probation, confirm mode's pending episode and a `probe_short` notice go on where they stood. The daemon's own
/// pipeline on the simulated machine, restarted on its state directory; the theories also run the restart with the stored
/// state deleted, the way every release before forgot it.
/// </summary>
public sealed class LoopStateRestartTests : IDisposable
{
    readonly string _state = Directory.CreateTempSubdirectory("sensorodl-loop-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    /// <summary>Remounts the machine and streams until the drift version is promoted (RefineTests' scenario, MinSamples 30).</summary>
    SimulatedPipeline AdaptToTheRemount()
    {
        var settings = new DaemonSettings
        {
            Storage = new() { SampleIntervalSeconds = 0 },
            Adaptation = new() { MinIntervalMinutes = 0, MinSamples = 30, RefineMinutes = 60, RecalibrateBelow = 0 }, // the watch's refine
        };
        SimulatedPipeline rig = SimulatedPipeline.Start(_state, settings, seed: 21, trainingWindows: 300);
        rig.Stream(100);
        rig.Remount();
        for (int i = 0; i < 2000 && rig.Pipeline.Adaptation.Promoted == 0; i++) rig.Next();
        Assert.Equal(1, rig.Pipeline.Adaptation.Promoted);
        return rig;
    }

    /// <summary>Streams the remounted machine with every 6th window noisier: a condition the drift job never saw (~17 % flagged).</summary>
    static void StreamAnUnseenCondition(SimulatedPipeline rig, int windows, MachineCondition mounted, Func<bool>? until = null)
    {
        for (int i = 0; i < windows && until?.Invoke() != true; i++)
        {
            rig.Machine.Machine.SetCondition(i % 6 == 5 ? mounted with { NoiseG = mounted.NoiseG * 4 } : mounted);
            rig.Next();
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_restart_right_after_a_promotion_keeps_its_refine_watch(bool keepState)
    {
        SimulatedPipeline before = AdaptToTheRemount();
        MachineCondition mounted = before.Machine.Machine.Condition;
        before.Next(); // the coordinator writes the loop's new shape after the window that follows the promotion
        using SimulatedPipeline after = before.Restart(keepState);
        Assert.Equal(2, after.Pipeline.Model.Current.Info.Version);

        StreamAnUnseenCondition(after, 400, mounted);

        string[] refines = [.. after.Events.Events.Where(e => e.Type == "training_started").Select(e => (string)e.Fields!["reason"]!)];
        if (keepState) Assert.StartsWith("refine: version 2 flagged ", Assert.Single(refines));
        else Assert.Empty(refines); // the watch was forgotten, and ~17 % flagged is far under the drift level
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_refine_that_was_collecting_when_the_daemon_stopped_is_due_again_after_the_restart(bool keepState)
    {
        SimulatedPipeline before = AdaptToTheRemount();
        MachineCondition mounted = before.Machine.Machine.Condition;
        // The watch calls the refine within a few hundred windows; stop while its job collects.
        StreamAnUnseenCondition(before, 600, mounted, until: () => before.Pipeline.Status.Activity == DaemonState.Collecting);
        Assert.True(before.Pipeline.Status.Activity == DaemonState.Collecting, string.Join(", ", before.Types));
        Assert.Single(before.Pipeline.Adaptation.History);
        using SimulatedPipeline after = before.Restart(keepState);
        after.Pipeline.Adaptation.SaveState();
        after.State.Write(_ => { }); // committed
        // The watch fired: version 2 did not cover its new normal, and its refit may waive the probe guard after the restart too.
        Assert.Equal(keepState ? 2 : null, after.Pipeline.Stores.Loop.Load()!.Uncovered);

        StreamAnUnseenCondition(after, 300, mounted);

        JsonObject[] started = [.. after.Events.Events.Where(e => e.Type == "training_started").Select(e => e.Fields!)];
        if (keepState)
        {
            Assert.StartsWith("refine: version 2 flagged ", (string)Assert.Single(started)["reason"]!);
            // The whole episode again: the drift job's windows from before the restart and those since.
            Assert.True((int)started[0]["samples"]! > before.Pipeline.Adaptation.History[0].Ids.Length + 30, started[0].ToJsonString());
        }
        else Assert.Empty(started);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_probation_goes_on_after_a_restart_and_rolls_back_where_it_would_have(bool keepState)
    {
        var settings = new DaemonSettings
        {
            Adaptation = new() { Mode = AdaptationMode.Off, ProbationMinutes = 30, ProbationFactor = 2, MinIntervalMinutes = 10 },
            Storage = new() { SampleIntervalSeconds = 0 },
        };
        SimulatedPipeline before = SimulatedPipeline.Start(_state, settings, seed: 6, trainingWindows: 300);
        before.Stream(100);
        ModelVersionRecord bad = ProbationTests.PromoteCopy(before, thresholdFactor: 0.05f); // flags every window
        before.Stream(6); // 6 of the 10 flagged windows a verdict needs
        Assert.DoesNotContain("model_rolled_back", before.Types);
        using SimulatedPipeline after = before.Restart(keepState);
        Assert.Equal(bad.Version, after.Pipeline.Model.Current.Info.Version);

        after.Stream(4);

        if (keepState)
        {
            JsonObject rollback = after.Events.Events.Single(e => e.Type == "model_rolled_back").Fields!;
            Assert.Equal(1, (int)rollback["toVersion"]!);
            Assert.Equal(10, (long)rollback["metrics"]!["windows"]!); // the 6 windows before the restart counted
            Assert.Equal(1, after.Pipeline.Model.Current.Info.Version);
            Assert.Equal(1, after.Pipeline.Stores.Registry.Active!.Version);
        }
        else Assert.Equal(bad.Version, after.Pipeline.Model.Current.Info.Version);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_candidate_promoted_after_a_restart_in_confirm_mode_still_has_its_drift_episode(bool keepState)
    {
        var settings = new DaemonSettings
        {
            Adaptation = new() { Mode = AdaptationMode.Confirm, MinSamples = 30 },
            Storage = new() { SampleIntervalSeconds = 0 },
        };
        SimulatedPipeline before = SimulatedPipeline.Start(_state, settings, seed: 5, trainingWindows: 300);
        before.Stream(100);
        before.Remount();
        for (int i = 0; i < 600 && before.Pipeline.Adaptation.Pending is null; i++) before.Next();
        Assert.Equal(2, before.Pipeline.Adaptation.Pending?.Version);
        Assert.NotNull(before.Pipeline.Adaptation.Pending!.EpisodeStartS);
        using SimulatedPipeline after = before.Restart(keepState);

        Assert.Equal(2, after.Pipeline.Adaptation.Pending?.Version);
        await after.Handlers().ExecuteAsync("promote", new JsonObject());
        after.Next();
        after.State.Write(_ => { });

        // A promoted drift version's false alarms are watched; a version without an episode (a pushed model) is not.
        AdaptationLoopState saved = after.Pipeline.Stores.Loop.Load()!;
        Assert.Equal(2, saved.Version);
        if (keepState) Assert.Equal(2, saved.Watch?.Version);
        else Assert.Null(saved.Watch);
    }

    [Fact]
    public void A_version_left_short_of_its_room_is_still_flagged_for_attention_after_a_restart()
    {
        SimulatedPipeline before = AdaptToTheRemount();
        before.Next();
        var broadband = new ProbeKindVerdict("broadband", 0.02, 1, 0.01) { RoomBar = 0.88, Unadapted = 0.01 };
        using SimulatedPipeline after = before.Restart(whileStopped: saved => saved with
        {
            Unmended = new StoredShortfall(2, broadband, "its refit was refused (false alarms on held-back new-normal windows rose (1.4 % → 2.1 %))"),
        });

        after.Next();

        Assert.Equal(AttentionNotice.ProbeShort, after.Pipeline.Attention.Current?.Code);
        Assert.StartsWith("version 2 passed the probe guard on broadband probes only because", after.Pipeline.Attention.Current!.Message);
        after.State.Write(_ => { });
        Assert.Equal(2, after.Pipeline.Stores.Loop.Load()!.Unmended?.Version); // and kept for the next restart
    }

    [Fact]
    public void A_state_written_with_another_version_in_use_keeps_only_the_rate_limit()
    {
        SimulatedPipeline before = AdaptToTheRemount();
        before.Next();
        before.Pipeline.Stores.Registry.Activate(1); // `models rollback` while the daemon is stopped
        using SimulatedPipeline after = before.Restart();
        Assert.Equal(1, after.Pipeline.Model.Current.Info.Version);
        after.Next();
        after.State.Write(_ => { }); // the writer thread takes writes in order: the loop's is committed once this one is

        AdaptationLoopState saved = after.Pipeline.Stores.Loop.Load()!;
        Assert.Equal(1, saved.Version);
        Assert.Null(saved.EpisodeStartS);
        Assert.Null(saved.Watch);
        Assert.NotNull(saved.NextAllowedS);
    }

    [Fact]
    public void The_stored_document_reads_back_what_was_written_and_a_bare_one_reads_as_an_empty_loop()
    {
        var full = new AdaptationLoopState
        {
            Version = 4, EpisodeStartS = 1.8e9 + 0.25, Settling = true, SettleTarget = 90, NextAllowedS = 1.8e9 + 600,
            Refine = new StoredRefine(1.8e9, 4, "refine: version 4 …", 17) { ShortOfRoom = new ProbeKindVerdict("broadband", 0.1, 1, 0.02) { RoomBar = 0.88, Unadapted = 0.02 }, Recalibrates = true },
            Watch = new StoredWatch(1.8e9, 4, 122.5, 61, 9),
            Probation = new StoredProbation(4, 3, null, 300.75, 150, 4, 2),
            Pending = new StoredPending(5, 1.8e9 + 30) { Blindness = "blind to synthetic impulses probes", ShortOfRoom = new ProbeKindVerdict("broadband", 0.1, 1, 0.1), FewHeldOut = 120 },
            Unmended = new StoredShortfall(4, new ProbeKindVerdict("harmonics", 0.33, 0.92, 0.3) { RoomBar = 0.92, Unadapted = 0.3, InUse = 0.4 }, "Adaptation:ProbeRefine is off"),
            Uncovered = 4,
        };
        Assert.Equal(full, AdaptationLoopStore.FromDocument(AdaptationLoopStore.ToDocument(full)));
        Assert.Equal(new AdaptationLoopState(), AdaptationLoopStore.FromDocument(new BsonDocument { ["_id"] = "loop" }));
        Assert.Equal(full.Shape(), (full with { Refine = full.Refine! with { Waited = 3 }, Watch = full.Watch! with { Windows = 70, ElapsedS = 140 } }).Shape());
        Assert.NotEqual(full.Shape(), (full with { Watch = null }).Shape());
    }
}
