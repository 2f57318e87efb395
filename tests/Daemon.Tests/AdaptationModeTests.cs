using System.Text.Json.Nodes;
using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Tests;

/// <summary>Adaptation:Mode on the daemon's own monitor and coordinator, driven by the simulated machine.</summary>
public sealed class AdaptationModeTests : IDisposable
{
    readonly string _state = Directory.CreateTempSubdirectory("sensorodl-modes-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    SimulatedPipeline Build(AdaptationMode mode, int adapterSeed = 1, string? name = null)
    {
        var settings = new DaemonSettings { Adaptation = new() { Mode = mode, Seed = adapterSeed }, Storage = new() { SampleIntervalSeconds = 0 } };
        SimulatedPipeline rig = SimulatedPipeline.Start(Path.Combine(_state, name ?? mode.ToString()), settings, seed: 5, trainingWindows: 300);
        rig.Remount();
        return rig;
    }

    /// <summary>The promoted version's threshold after the same drift, with Adaptation:Seed <paramref name="adapterSeed"/>.</summary>
    double PromotedThreshold(int adapterSeed, string name)
    {
        using SimulatedPipeline rig = Build(AdaptationMode.Auto, adapterSeed, name);
        rig.Stream(400);
        return (double)rig.Events.Events.First(e => e.Type == "model_promoted").Fields!["metrics"]!["threshold"]!;
    }

    /// <summary>The drift detector's score CUSUM tests against the scoring version's own median, the base's first, then the adapted version's.</summary>
    [Fact]
    public void The_drift_detector_follows_the_scoring_versions_reference_median_and_90th_percentile()
    {
        using SimulatedPipeline rig = Build(AdaptationMode.Auto);
        ReferenceStatistics first = rig.Pipeline.Model.Current.Model.Reference;
        Assert.Equal(first.ScoreMedian, rig.Pipeline.Monitor.DriftReferenceMedian);
        Assert.Equal(first.ScoreHigh, rig.Pipeline.Monitor.DriftReferenceHigh);
        rig.Stream(400);
        Assert.Equal(2, rig.Pipeline.Model.Current.Info.Version);
        ReferenceStatistics adapted = rig.Pipeline.Model.Current.Model.Reference;
        Assert.NotEqual(first.ScoreMedian, adapted.ScoreMedian);
        Assert.NotEqual(first.ScoreHigh, adapted.ScoreHigh);
        Assert.Equal(adapted.ScoreMedian, rig.Pipeline.Monitor.DriftReferenceMedian);
        Assert.Equal(adapted.ScoreHigh, rig.Pipeline.Monitor.DriftReferenceHigh);
    }

    [Fact]
    public void Drift_events_and_status_carry_the_share_above_the_reference_90th_percentile()
    {
        using SimulatedPipeline rig = Build(AdaptationMode.Off);
        Assert.Equal(0.0, (double)rig.Pipeline.Status.ToJson(0)["drift"]!["shift"]!);
        rig.Stream(200); // the remounted machine scores far above the base's normal
        JsonObject declared = rig.Events.Events.First(e => e.Type == "drift_detected").Fields!;
        Assert.True((double)declared["shift"]! >= 0.9, declared.ToJsonString());
        Assert.True((double)rig.Pipeline.Status.ToJson(0)["drift"]!["shift"]! >= 0.9);
    }

    [Fact]
    public void The_adapter_seed_reaches_the_fit_and_the_same_seed_fits_the_same_candidate()
    {
        double first = PromotedThreshold(1, "seed1"), again = PromotedThreshold(1, "seed1-again"), other = PromotedThreshold(2, "seed2");
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Auto_adapts_on_drift_by_itself()
    {
        using SimulatedPipeline rig = Build(AdaptationMode.Auto);
        rig.Stream(400);
        Assert.Contains("drift_detected", rig.Types);
        Assert.Contains("model_promoted", rig.Types);
        Assert.Equal(2, rig.Pipeline.Model.Current.Info.Version);
        var metrics = rig.Events.Events.First(e => e.Type == "model_promoted").Fields!["metrics"]!;
        Assert.True((double)metrics["windows"]! >= 120, metrics.ToJsonString());
        // A waveform model's job holds out runs of consecutive windows: a quarter of them validates.
        Assert.Equal(ValidationSplit.Of((int)(double)metrics["windows"]!, Validation.Blocked).Validation.Length, (double)metrics["validationWindows"]!);
        Assert.True((double)metrics["spanSeconds"]! > 0, metrics.ToJsonString());
        Assert.Null(metrics["denoisedWindows"]); // Adaptation:Denoise lifts bands of spectra; a waveform model's fit has none
    }

    [Fact]
    public void Confirm_adapts_on_drift_and_holds_the_candidate_without_activating_it()
    {
        using SimulatedPipeline rig = Build(AdaptationMode.Confirm);
        rig.Stream(400);
        Assert.Contains("drift_detected", rig.Types);
        Assert.Contains("training_started", rig.Types);
        Assert.Contains("model_pending", rig.Types);
        Assert.DoesNotContain("model_promoted", rig.Types);
        Assert.Equal(1, rig.Pipeline.Model.Current.Info.Version);
        Assert.Equal(2, rig.Pipeline.Adaptation.Pending?.Version);
    }

    [Fact]
    public void A_retrain_command_in_confirm_mode_also_ends_pending()
    {
        using SimulatedPipeline rig = Build(AdaptationMode.Off);
        rig.Stream(400);
        rig.Pipeline.Settings.Update(s => s with { Adaptation = s.Adaptation with { Mode = AdaptationMode.Confirm } });
        (string? job, RetrainRefusal refusal) = rig.Pipeline.Adaptation.RequestRetrain(null, null, null, dataS: 1e6);
        Assert.Equal(RetrainRefusal.None, refusal);
        Assert.NotNull(job);
        Assert.Contains("model_pending", rig.Types);
        Assert.Equal(1, rig.Pipeline.Model.Current.Info.Version);
        Assert.Equal(job, rig.Pipeline.Adaptation.Pending?.Job);
        // At most one retrain per Adaptation:MinIntervalMinutes of the data's clock.
        Assert.Equal(RetrainRefusal.RateLimited, rig.Pipeline.Adaptation.RequestRetrain(null, null, null, dataS: 1e6 + 60).Refusal);
    }

    [Fact]
    public void A_collecting_job_shows_how_many_windows_it_has_and_wants()
    {
        using SimulatedPipeline rig = Build(AdaptationMode.Off);
        rig.Stream(100);
        (string? job, RetrainRefusal refusal) = rig.Pipeline.Adaptation.RequestRetrain(null, null, samples: 1000, dataS: 1e6);
        Assert.Equal(RetrainRefusal.None, refusal);
        Assert.NotNull(job);
        var status = rig.Pipeline.Status.ToJson(0);
        Assert.Equal("collecting", (string)status["state"]!);
        Assert.Equal(100, (int)status["collecting"]!["collected"]!);
        Assert.Equal(1000, (int)status["collecting"]!["wanted"]!);

        rig.Stream(10);
        Assert.Equal(110, (int)rig.Pipeline.Status.ToJson(0)["collecting"]!["collected"]!);
    }

    [Fact]
    public void Off_reports_drift_and_waits_for_a_retrain_command()
    {
        using SimulatedPipeline rig = Build(AdaptationMode.Off);
        rig.Stream(400);
        Assert.Contains("drift_detected", rig.Types);
        Assert.DoesNotContain("training_started", rig.Types);
        Assert.Equal(1, rig.Pipeline.Model.Current.Info.Version);

        (string? job, RetrainRefusal refusal) = rig.Pipeline.Adaptation.RequestRetrain(null, null, null, dataS: 1e6);
        Assert.Equal(RetrainRefusal.None, refusal);
        Assert.NotNull(job);
        Assert.Contains("model_promoted", rig.Types);
        Assert.Equal(2, rig.Pipeline.Model.Current.Info.Version);
    }
}
