using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Drivers.Simulation;

namespace SensorOdl.Daemon.Tests;

/// <summary>Which windows a drift job fits: from where the change began, and those the version it replaces was fitted on.</summary>
public sealed class DriftEpisodeTests : IDisposable
{
    readonly string _state = Directory.CreateTempSubdirectory("sensorodl-episodes-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    static DaemonSettings Settings => new()
    {
        Storage = new() { SampleIntervalSeconds = 0 },
        Adaptation = new() { MinIntervalMinutes = 0, RecalibrateBelow = 0 }, // the jobs counted here are the changes' own
    };

    /// <summary>Streams until the coordinator has finished <paramref name="jobs"/> jobs (or the limit); returns the first window's time of each.</summary>
    static void StreamUntilJobs(SimulatedPipeline rig, int jobs, int limit = 2000)
    {
        for (int i = 0; i < limit && rig.Pipeline.Adaptation.History.Count < jobs; i++) rig.Next();
        Assert.True(rig.Pipeline.Adaptation.History.Count >= jobs, $"only {rig.Pipeline.Adaptation.History.Count} jobs: {string.Join(", ", rig.Types.Distinct())}");
    }

    long FirstWindowMs(SimulatedPipeline rig, FinishedJob job) =>
        job.Ids.Min() is long first ? rig.Pipeline.Stores.Samples.Newest(100_000).Concat(rig.Pipeline.Stores.Samples.Labelled("fault")).First(s => s.Id == first).Ts : 0;

    [Fact]
    public void The_first_job_fits_the_windows_from_the_onset_not_only_from_the_declaration()
    {
        using SimulatedPipeline rig = SimulatedPipeline.Start(_state, Settings, seed: 11, trainingWindows: 300);
        rig.Stream(200);
        double changedS = rig.Clock.Seconds;
        rig.Remount();
        StreamUntilJobs(rig, 1);

        FinishedJob job = rig.Pipeline.Adaptation.History[0];
        // Declared some 60 windows after the change (half the sliding window, then the persistence); MinSamples follow.
        Assert.True(job.Ids.Length >= Settings.Adaptation.MinSamples + 40, $"the job fitted {job.Ids.Length} windows: the ones before the declaration are missing");
        double firstS = FirstWindowMs(rig, job) / 1000.0;
        Assert.InRange(firstS, changedS - 1, changedS + 3);
    }

    [Fact]
    public void After_a_settled_promotion_the_next_change_is_fitted_with_the_windows_the_version_in_use_covers()
    {
        // With the refine watch on: the second change makes the first version flag far over its budget, and the refit
        // waits for the detector to declare the change, so that the job that comes fits the change's windows as well.
        using SimulatedPipeline rig = SimulatedPipeline.Start(_state, Settings with { Adaptation = Settings.Adaptation with { RefineMinutes = 60 } },
            seed: 12, trainingWindows: 300);
        rig.Stream(100);
        double firstChangeS = rig.Clock.Seconds;
        rig.Remount();
        StreamUntilJobs(rig, 1);
        Assert.True(rig.Pipeline.Adaptation.History[0].Promoted, rig.Pipeline.Adaptation.History[0].Reason);
        int settling = Settings.Drift.Window + Settings.Drift.Persistence + 20;
        rig.Stream(settling); // settles on the new normal

        double secondChangeS = rig.Clock.Seconds;
        rig.Machine.Machine.SetCondition(rig.Machine.Machine.Condition with { NoiseG = 0.12 });
        StreamUntilJobs(rig, 2);

        FinishedJob first = rig.Pipeline.Adaptation.History[0], second = rig.Pipeline.Adaptation.History[1];
        // Fitted from the first version's first window on: what the version it replaces covered, then the new change.
        Assert.Equal(first.Ids.Min(), second.Ids.Min());
        Assert.True(FirstWindowMs(rig, second) / 1000.0 < secondChangeS && FirstWindowMs(rig, first) / 1000.0 >= firstChangeS - 30,
            "the second job does not start where the first version's windows did");
        Assert.True(second.Ids.Length > first.Ids.Length + settling, $"the second job fitted {second.Ids.Length} windows, the first {first.Ids.Length}");
    }

    [Theory]
    [InlineData(0.12, 0)]
    [InlineData(0, 22)]
    public void A_condition_an_earlier_version_covered_does_not_alarm_when_it_comes_back_after_a_later_change(double noiseG, double shaftHz)
    {
        // Mounted elsewhere (version 2), then a noisier supply or a slower drive on that mounting (version 3), then the
        // mounting as version 2 knew it.
        using SimulatedPipeline rig = SimulatedPipeline.Start(_state, Settings, seed: 13, trainingWindows: 300);
        rig.Stream(100);
        rig.Remount();
        StreamUntilJobs(rig, 1);
        MachineCondition remounted = rig.Machine.Machine.Condition;
        rig.Stream(Settings.Drift.Window + Settings.Drift.Persistence + 20);
        rig.Machine.Machine.SetCondition(remounted with { NoiseG = noiseG > 0 ? noiseG : remounted.NoiseG, ShaftHz = shaftHz > 0 ? shaftHz : remounted.ShaftHz });
        StreamUntilJobs(rig, 2);
        Assert.True(rig.Pipeline.Adaptation.History.All(j => j.Promoted), string.Join("; ", rig.Pipeline.Adaptation.History.Select(j => j.Reason)));
        rig.Stream(Settings.Drift.Window + Settings.Drift.Persistence + 20);
        int version = rig.Pipeline.Model.Current.Info.Version;

        rig.Machine.Machine.SetCondition(remounted);
        int flagged = 0, windows = 200;
        for (int i = 0; i < windows; i++) flagged += rig.Next().Anomalous ? 1 : 0;
        // Fitted on the second change's windows alone (until session 14), version 3 flagged 178 and 179 of the 200.
        Assert.True(flagged < windows * 0.05, $"version {version} flags {flagged} of {windows} windows of the mounting version 2 was fitted on");
        Assert.Equal(2, rig.Pipeline.Adaptation.History.Count);
    }

    /// <summary>
    /// A probation that condemns any version flagging ten windows the previous version calls normal: the first job's
    /// version (fitted on a remounted machine) is rolled back when the sensor is briefly back on its old mounting, where
    /// the base sees nothing; then the sensor is remounted again. The store keeps every window of the run, so that its
    /// capacity does not cut the episode's first ones off. Gives the time of the change and of the rollback.
    /// </summary>
    SimulatedPipeline RemountAndRollBack(out double changedS, out double rolledBackS)
    {
        DaemonSettings settings = Settings with
        {
            Adaptation = Settings.Adaptation with { ProbationFactor = 0.001 },
            Storage = Settings.Storage with { SampleCapacity = 20_000 },
        };
        SimulatedPipeline rig = SimulatedPipeline.Start(_state, settings, seed: 11, trainingWindows: 300);
        rig.Stream(200);
        changedS = rig.Clock.Seconds;
        rig.Remount();
        StreamUntilJobs(rig, 1);
        Assert.True(rig.Pipeline.Adaptation.History[0].Promoted, rig.Pipeline.Adaptation.History[0].Reason);
        MachineCondition remounted = rig.Machine.Machine.Condition;
        rig.Machine.Machine.SetCondition(MachineScenarios.Condition(DriftKind.None));
        for (int i = 0; i < 5000 && rig.Pipeline.Adaptation.RolledBack == 0; i++) rig.Next();
        Assert.Equal(1, rig.Pipeline.Adaptation.RolledBack);
        rolledBackS = rig.Clock.Seconds;
        rig.Machine.Machine.SetCondition(remounted);
        return rig;
    }

    [Fact]
    public void After_a_probation_rollback_the_next_drift_job_fits_the_episode_from_its_onset()
    {
        using SimulatedPipeline rig = RemountAndRollBack(out double changedS, out double rolledBackS);
        StreamUntilJobs(rig, 2, limit: 5000); // the restored version flags the remounted machine: drift again

        // Until session 9 a rollback ended the episode: the job fitted only the windows since, which the rolled-back
        // version's windows had not covered either (rooms-mix025 mix025 → silentA while a shift declared drift before the
        // model alarmed: 4.0 % false alarms against 1.9 %).
        double firstS = FirstWindowMs(rig, rig.Pipeline.Adaptation.History[1]) / 1000.0;
        Assert.True(firstS < changedS + 3, $"the second job starts at {firstS:F1} s: after the change at {changedS:F1} s (rollback at {rolledBackS:F1} s)");
    }

    [Fact]
    public void After_a_rollback_that_no_drift_follows_the_episode_ends_and_a_later_change_is_fitted_on_its_own_windows()
    {
        using SimulatedPipeline rig = RemountAndRollBack(out _, out double rolledBackS);
        MachineCondition remounted = rig.Machine.Machine.Condition;
        rig.Machine.Machine.SetCondition(MachineScenarios.Condition(DriftKind.None)); // the change passed
        rig.Stream(3 * (Settings.Drift.Window + Settings.Drift.Persistence));
        Assert.Single(rig.Pipeline.Adaptation.History);

        double secondChangeS = rig.Clock.Seconds;
        rig.Machine.Machine.SetCondition(remounted with { NoiseG = 0.12 });
        StreamUntilJobs(rig, 2, limit: 5000);
        double firstS = FirstWindowMs(rig, rig.Pipeline.Adaptation.History[1]) / 1000.0;
        Assert.True(firstS > rolledBackS, $"the job after a later change starts at {firstS:F1} s, before the rollback at {rolledBackS:F1} s: it refits the passed change");
        Assert.True(firstS >= secondChangeS - 30, $"the job starts at {firstS:F1} s, the change came at {secondChangeS:F1} s");
    }
}
