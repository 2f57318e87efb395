using System.Text.Json.Nodes;
using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Drivers.Simulation;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.FineTuning;
using SensorOdl.Learning.Training;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// Probation after a promotion (Adaptation:ProbationMinutes, ProbationFactor): the previous version scores the same
/// windows in the shadow, on the data clock; a new version that flags far more is rolled back by the device itself.
/// The daemon's own pipeline on the simulated machine (stationary unless a test says otherwise).
/// </summary>
public sealed class ProbationTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("sensorodl-probation-").FullName;
    SimulatedPipeline? _rig;

    public void Dispose()
    {
        _rig?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    SimulatedPipeline Start(double probationMinutes = 30)
    {
        var settings = new DaemonSettings
        {
            Adaptation = new() { Mode = AdaptationMode.Off, ProbationMinutes = probationMinutes, ProbationFactor = 2, MinIntervalMinutes = 10 },
            Storage = new() { SampleIntervalSeconds = 0 },
        };
        _rig = SimulatedPipeline.Start(_dir, settings, seed: 6, trainingWindows: 300);
        _rig.Stream(100);
        return _rig;
    }

    /// <summary>
    /// Promotes a version that is the running model with zero adapters and its threshold times <paramref name="thresholdFactor"/>:
    /// below 1 it flags more windows than the running one (a trigger-happy candidate), at 1 exactly the same.
    /// </summary>
    internal static ModelVersionRecord PromoteCopy(SimulatedPipeline rig, float thresholdFactor, Dictionary<string, double>? metrics = null)
    {
        AnomalyModel current = rig.Pipeline.Model.Current.Model;
        FineTuner tuner = FineTuneMethods.Create("lora-last", current.Base, new FineTuneOptions
        {
            BaseHash = current.BaseHash,
            Training = new TrainingOptions { Objective = Objective.Reconstruction },
        });
        AdapterSet adapters = tuner.Export();
        foreach (NamedTensor tensor in adapters.Tensors) Array.Clear(tensor.Values);
        tuner.Import(adapters);
        AnomalyModel copy = current.WithAdapters(tuner, current.Threshold * thresholdFactor, current.Reference);
        ModelVersionRecord record = rig.Pipeline.Stores.Registry.AddAdapted(copy, 1, "test", 0, metrics, null, activate: false);
        rig.Pipeline.Adaptation.PromoteStored(copy, record, "test");
        Assert.Equal(record.Version, rig.Pipeline.Model.Current.Info.Version);
        return record;
    }

    static JsonObject? RolledBack(SimulatedPipeline rig) => rig.Events.Events.LastOrDefault(e => e.Type == "model_rolled_back").Fields;

    [Fact]
    public void A_version_that_flags_far_more_windows_than_the_previous_one_is_rolled_back_by_the_device()
    {
        SimulatedPipeline rig = Start();
        ModelVersionRecord bad = PromoteCopy(rig, thresholdFactor: 0.05f);
        rig.Stream(40);

        JsonObject e = RolledBack(rig) ?? throw new Xunit.Sdk.XunitException($"no rollback in {string.Join(", ", rig.Types)}");
        Assert.Equal(bad.Version, (int)e["fromVersion"]!);
        Assert.Equal(1, (int)e["toVersion"]!);
        Assert.Equal(1, (int)e["version"]!);
        Assert.StartsWith("probation: flagged 100 % of windows against ", (string)e["reason"]!);
        Assert.EndsWith(" for v1", (string)e["reason"]!);
        JsonObject metrics = (JsonObject)e["metrics"]!;
        Assert.Equal(1.0, (double)metrics["newShare"]!);
        Assert.True((double)metrics["oldShare"]! < 0.5, metrics.ToJsonString());
        Assert.Equal(Probation.MinFlagged, (long)metrics["windows"]!); // all flagged: the minimum count is what it waited for
        Assert.Equal(1, rig.Pipeline.Model.Current.Info.Version);
        Assert.Equal(1, rig.Pipeline.Stores.Registry.ActiveVersion);
        Assert.Null(rig.Pipeline.Model.Current.Shadow);
        Assert.Equal(1, rig.Types.Count(t => t == "model_rolled_back"));
    }

    [Fact]
    public void After_a_probation_rollback_no_retrain_starts_within_MinIntervalMinutes_of_data_time()
    {
        SimulatedPipeline rig = Start();
        PromoteCopy(rig, thresholdFactor: 0.05f);
        rig.Stream(20);
        Assert.NotNull(RolledBack(rig));
        double rolledBackAt = rig.Clock.Seconds;

        Assert.Equal(RetrainRefusal.RateLimited, rig.Pipeline.Adaptation.RequestRetrain(null, null, 1000, rolledBackAt + 9.5 * 60).Refusal);
        (string? job, RetrainRefusal refusal) = rig.Pipeline.Adaptation.RequestRetrain(null, null, 1000, rolledBackAt + 10 * 60 + 1);
        Assert.Equal(RetrainRefusal.None, refusal);
        Assert.NotNull(job); // collects (1000 windows wanted): the interval is over
    }

    [Fact]
    public void A_real_fault_during_probation_is_flagged_by_both_versions_and_does_not_roll_back()
    {
        SimulatedPipeline rig = Start();
        PromoteCopy(rig, thresholdFactor: 0.9f); // a slightly lower threshold: a little more eager than v1
        rig.Stream(50);
        rig.Machine.Machine.InjectFaults(MachineScenarios.Faults(FaultKind.Outer));
        rig.Stream(150);

        Assert.Null(RolledBack(rig));
        Assert.Equal(2, rig.Pipeline.Model.Current.Info.Version);
        var probation = (Probation)rig.Pipeline.Model.Current.Shadow!;
        ProbationCounts counts = probation.Counts;
        Assert.True(counts.NewFlagged >= 100, $"the fault must be flagged, well past the minimum count: {counts}");
        Assert.True(counts.OldFlagged >= counts.NewFlagged * 0.9, $"the previous version flags the fault too: {counts}");
        Assert.Contains("anomaly", rig.Types);
    }

    [Fact]
    public void A_fault_the_previous_version_half_misses_does_not_roll_back_the_version_that_sees_it()
    {
        // Version 2: the base with its threshold at the 70th percentile of a fault's scores — it flags about 30 % of the
        // fault and, like the base, next to nothing of the healthy machine; its own probation (1 minute) passes.
        SimulatedPipeline rig = Start(probationMinutes: 1);
        rig.Machine.Machine.InjectFaults(MachineScenarios.Faults(FaultKind.Outer));
        float[] faultScores = [.. Enumerable.Range(0, 100).Select(_ => rig.Next().Score)];
        rig.Machine.Machine.InjectFaults(MachineFaults.None);
        rig.Stream(20);
        float threshold = rig.Pipeline.Model.Current.Model.Threshold;
        PromoteCopy(rig, thresholdFactor: Quantiles.Of(faultScores, 0.7) / threshold);
        rig.Stream(1000); // ≈ 85 s of data: past its probation
        // Version 3, the base's threshold again: it sees the whole fault. The fault begins inside its probation.
        PromoteCopy(rig, thresholdFactor: threshold / rig.Pipeline.Model.Current.Model.Threshold);
        rig.Stream(30);
        rig.Machine.Machine.InjectFaults(MachineScenarios.Faults(FaultKind.Outer));
        rig.Stream(150);

        Assert.Null(RolledBack(rig));
        Assert.Equal(3, rig.Pipeline.Model.Current.Info.Version);
        var probation = (Probation)rig.Pipeline.Model.Current.Shadow!;
        Assert.True(probation.Since.NewFlagged > 2 * probation.Since.OldFlagged + 10,
            $"the new version flags more than twice what the previous one does, which probation used to condemn: {probation.Since}");
    }

    [Fact]
    public void Probation_lasts_ProbationMinutes_of_data_time_then_the_shadow_stops()
    {
        SimulatedPipeline rig = Start(probationMinutes: 0.5);
        PromoteCopy(rig, thresholdFactor: 1f);
        double start = rig.Clock.Seconds;
        while (rig.Clock.Seconds < start + 10) rig.Next();
        // Status shows the running probation: both versions, the windows since the promotion, what each flagged, the time left.
        JsonNode shown = rig.Pipeline.Status.ToJson(0)["probation"] ?? throw new Xunit.Sdk.XunitException("no probation in status");
        Assert.Equal(2, (int)shown["version"]!);
        Assert.Equal(1, (int)shown["previousVersion"]!);
        Assert.InRange((long)shown["windows"]!, 100, 130); // ≈ 11.7 windows per second of data
        Assert.Equal((double)shown["flagged"]!, (double)shown["previousFlagged"]!); // the same model at the same threshold
        Assert.InRange((double)shown["minutesLeft"]!, 0.3, 0.4);
        while (rig.Clock.Seconds < start + 40) rig.Next();
        Assert.Null(rig.Pipeline.Status.ToJson(0)["probation"]);

        var probation = (Probation)rig.Pipeline.Model.Current.Shadow!;
        Assert.True(probation.Over);
        double windowsPerSecond = 12_000.0 / 1024;
        Assert.InRange(probation.Counts.Windows, 30 * windowsPerSecond - 2, 30 * windowsPerSecond + 2);
        Assert.Null(RolledBack(rig));
    }

    [Fact]
    public void ProbationMinutes_0_turns_probation_off()
    {
        SimulatedPipeline rig = Start(probationMinutes: 0);
        PromoteCopy(rig, thresholdFactor: 0.05f);
        rig.Stream(40);
        Assert.Null(rig.Pipeline.Model.Current.Shadow);
        Assert.Null(RolledBack(rig));
        Assert.Equal(2, rig.Pipeline.Model.Current.Info.Version);
    }

    /// <summary>A drift job's validation: v1 flagged <paramref name="oldFlagged"/> of 80 held-back windows, the candidate 1.</summary>
    static Dictionary<string, double> DriftValidation(int oldFlagged) => new()
    {
        ["validationWindows"] = 80, ["falseAlarmsAfter"] = 1 / 80.0, ["falseAlarmsBefore"] = oldFlagged / 80.0,
    };

    [Fact]
    public void The_tally_starts_from_the_validation_so_a_version_adopted_for_a_drift_is_not_rolled_back_on_its_first_windows()
    {
        SimulatedPipeline rig = Start();
        PromoteCopy(rig, thresholdFactor: 0.05f, DriftValidation(oldFlagged: 72)); // flags everything from now on
        rig.Stream(40); // without the validation: rolled back after 10 (the first test)

        Assert.Null(RolledBack(rig));
        var probation = (Probation)rig.Pipeline.Model.Current.Shadow!;
        Assert.Equal(40, probation.Since.Windows);
        Assert.Equal(new ProbationCounts(120, 41, 72 + probation.Since.OldFlagged), probation.Counts);
    }

    [Fact]
    public void The_windows_since_the_promotion_still_outweigh_a_validation_in_the_end()
    {
        SimulatedPipeline rig = Start();
        PromoteCopy(rig, thresholdFactor: 0.05f, DriftValidation(oldFlagged: 16));
        rig.Stream(60); // new flags 1 + n, old 16 + about 0: over twice once n passes 31

        JsonObject e = RolledBack(rig) ?? throw new Xunit.Sdk.XunitException($"no rollback in {string.Join(", ", rig.Types)}");
        JsonObject metrics = (JsonObject)e["metrics"]!;
        Assert.Equal(80, (long)metrics["validationWindows"]!);
        long since = (long)metrics["windows"]! - 80;
        Assert.InRange(since, 32, 40);
        Assert.Equal(1 + since, (long)metrics["newFlagged"]!);
        Assert.Equal(1, rig.Pipeline.Model.Current.Info.Version);
    }

    [Theory]
    [InlineData(12, false)] // 1.2 % of 1,001 windows: within what a 1 % budget lets through by chance (P = 30 %)
    [InlineData(25, true)]  // 2.5 %: beyond it
    public void A_version_flagging_more_than_the_previous_one_is_kept_while_within_its_own_budget(int newFlagged, bool rolledBack)
    {
        // A recalibration: the previous version's threshold sat above its normal, it flagged none of the 1,000 windows.
        SimulatedPipeline rig = Start();
        AnomalyModel previous = rig.Pipeline.Model.Current.Model;
        float[] normal = rig.Pipeline.Stores.Samples.Newest(1)[0].Vector();
        Assert.True(previous.Score(normal) <= previous.Threshold);
        bool failed = false;
        var probation = new Probation(previous, minutes: 30, factor: 2, falseAlarmBudget: 0.01, (_, _) => failed = true, new ProbationCounts(1000, newFlagged, 0));

        probation.Observe(normal, flagged: false, dataS: 1);

        Assert.Equal(rolledBack, failed);
    }

    [Theory]
    [InlineData(false, true, true)]
    [InlineData(true, false, true)]
    [InlineData(true, true, false)]
    public void A_version_without_its_validation_metrics_starts_probation_from_zero(bool windows, bool after, bool before)
    {
        var metrics = new Dictionary<string, double>();
        if (windows) metrics["validationWindows"] = 80;
        if (after) metrics["falseAlarmsAfter"] = 0.0125;
        if (before) metrics["falseAlarmsBefore"] = 0.9;
        Assert.Equal(default, ProbationCounts.FromValidation(metrics));
        metrics["validationWindows"] = 80;
        metrics["falseAlarmsAfter"] = 0.0125;
        metrics["falseAlarmsBefore"] = 0.9;
        Assert.Equal(new ProbationCounts(80, 1, 72), ProbationCounts.FromValidation(metrics));
    }
}
