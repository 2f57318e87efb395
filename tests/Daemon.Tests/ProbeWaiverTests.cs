using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Drivers.Simulation;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// The probe guard's waiver (<see cref="SensorOdl.Learning.Anomaly.AdaptationOptions.WaiveProbesAbove"/>): a refit of a
/// version whose own fit did not cover its new normal — a refine of its false alarms, or a drift declared while they were
/// watched — is not refused by a failed probe verdict while that version alarms on the refit's windows; it is promoted
/// and status `attention` says what the check found. A first fit of a change is refused as before. The daemon's own
/// pipeline on the simulated machine, its waveform probes enforced; Adaptation:MaxProbeRecallDrop −1 makes every verdict fail.
/// </summary>
public sealed class ProbeWaiverTests : IDisposable
{
    readonly string _state = Directory.CreateTempSubdirectory("sensorodl-waiver-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    static DaemonSettings Settings() => new()
    {
        Storage = new() { SampleIntervalSeconds = 0 },
        Adaptation = new AdaptationSettings { MinIntervalMinutes = 0, EnforceWaveformProbes = true },
    };

    static void FailEveryProbeVerdict(SimulatedPipeline rig) =>
        rig.Pipeline.Settings.Update(s => s with { Adaptation = s.Adaptation with { MaxProbeRecallDrop = -1 } });

    /// <summary>Remounts the machine and streams until the first drift job's verdict is in.</summary>
    static SimulatedPipeline AdaptToARemount(string state, bool failProbes)
    {
        SimulatedPipeline rig = SimulatedPipeline.Start(state, Settings(), seed: 21, trainingWindows: 300);
        if (failProbes) FailEveryProbeVerdict(rig);
        rig.Stream(100);
        rig.Remount();
        for (int i = 0; i < 2000 && rig.Pipeline.Adaptation.History.Count == 0; i++) rig.Next();
        Assert.Single(rig.Pipeline.Adaptation.History);
        return rig;
    }

    [Fact]
    public void A_first_fit_of_a_change_that_fails_the_probe_check_is_refused()
    {
        using SimulatedPipeline rig = AdaptToARemount(_state, failProbes: true);
        FinishedJob job = rig.Pipeline.Adaptation.History[0];
        Assert.False(job.Promoted);
        Assert.StartsWith("blind to synthetic ", job.Reason);
        Assert.Null(job.Probes!.Waiver);
        Assert.Equal(1, rig.Pipeline.Model.Current.Info.Version);
    }

    [Fact]
    public void A_refine_of_a_version_alarming_on_its_new_normal_is_promoted_with_the_failed_check_said()
    {
        using SimulatedPipeline rig = AdaptToARemount(_state, failProbes: false);
        Assert.True(rig.Pipeline.Adaptation.History[0].Promoted, rig.Pipeline.Adaptation.History[0].Reason);
        FailEveryProbeVerdict(rig);
        // Every 3rd window noisier: a condition the drift job never saw, a third of the windows, under the drift level.
        MachineCondition mounted = rig.Machine.Machine.Condition;
        for (int i = 0; i < 1500 && rig.Pipeline.Adaptation.History.Count < 2; i++)
        {
            rig.Machine.Machine.SetCondition(i % 3 == 2 ? mounted with { NoiseG = mounted.NoiseG * 4 } : mounted);
            rig.Next();
        }

        FinishedJob refine = rig.Pipeline.Adaptation.History[1];
        Assert.True(refine.Promoted, refine.Reason);
        Assert.False(refine.Probes!.Passed);
        Assert.StartsWith("waived, the version it replaces flags ", refine.Probes.Waiver);
        Assert.Contains("(waived, the version it replaces flags ", refine.Reason);
        Assert.Equal(3, rig.Pipeline.Model.Current.Info.Version);
        rig.Next();
        AttentionNotice? attention = rig.Pipeline.Attention.Current;
        Assert.Equal(AttentionNotice.ProbeBlind, attention?.Code);
        Assert.StartsWith("version 3 was promoted although it is blind to synthetic ", attention!.Message);
        Assert.Contains("; waived, the version it replaces flags ", attention.Message);
    }

    [Fact]
    public void A_drift_declared_while_a_version_is_watched_refits_it_with_the_waiver()
    {
        using SimulatedPipeline rig = AdaptToARemount(_state, failProbes: false);
        Assert.True(rig.Pipeline.Adaptation.History[0].Promoted, rig.Pipeline.Adaptation.History[0].Reason);
        FailEveryProbeVerdict(rig);
        rig.Stream(30);
        // A second change within Adaptation:RefineMinutes of the promotion: the shaft slows as well.
        rig.Machine.Machine.SetCondition(MachineScenarios.Condition(DriftKind.Mounting) with { ShaftHz = 25 });
        for (int i = 0; i < 2000 && rig.Pipeline.Adaptation.History.Count < 2; i++) rig.Next();

        Assert.Equal("drift", Reason(rig, 1));
        FinishedJob refit = rig.Pipeline.Adaptation.History[1];
        Assert.True(refit.Promoted, refit.Reason);
        Assert.StartsWith("waived, the version it replaces flags ", refit.Probes!.Waiver);
    }

    static string Reason(SimulatedPipeline rig, int index) =>
        (string)rig.Events.Events.Where(e => e.Type == "training_started").ElementAt(index).Fields!["reason"]!;
}
