using System.Diagnostics;
using System.Text.Json.Nodes;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.Caches;
using SensorOdl.Learning.Drift;
using SensorOdl.Learning.Training;

namespace SensorOdl.Daemon.Adaptation;

/// <summary>A fitted, validated candidate (accepted or not), the version it was fitted on, its metrics and the sample id of its first window.</summary>
sealed record TrainedCandidate(AnomalyModel Model, CandidateReport Report, int ParentVersion, Dictionary<string, double> Metrics, long? FitFromSample);

/// <summary>
/// The fit of one job: reads its windows, fits fresh adapters on the active version with <see cref="ModelAdapter"/>
/// and reports the run (training_started, training_finished, the status' progress). The verdict is the caller's.
/// </summary>
sealed class TrainingRun(SampleStore samples, ModelRegistry registry, IEventSink events, DaemonStatus status, IForwardCacheStore cache,
    ActiveModel active, TimeProvider time, ProbeSet? probes)
{
    long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Fits <paramref name="job"/>; adds it to <paramref name="history"/> when given.</summary>
    public TrainedCandidate Fit(AdaptationJob job, DaemonSettings settings, List<FinishedJob>? history)
    {
        var watch = Stopwatch.StartNew();
        ModelInUse parent = active.Current;
        IReadOnlyList<SampleRecord> windows = WindowsOf(job, parent, settings);
        status.SetActivity(DaemonState.Training);
        events.Emit("training_started", NowMs, new JsonObject
        {
            ["job"] = job.Id, ["method"] = job.Method, ["epochs"] = job.Epochs, ["samples"] = windows.Count, ["reason"] = job.Description,
        });
        float[] newNormal = SampleRecord.Vectors(windows);
        long[] ids = [.. windows.Select(w => w.Id)];
        float[] faults = [.. parent.Model.Exemplars, .. SampleRecord.Vectors(samples.Labelled("fault"))];
        var progress = new TrainingProgressReporter(status, watch);
        (AnomalyModel candidate, CandidateReport report) =
            ModelAdapter.Adapt(parent.Model, newNormal, ids, faults, JobOptions.For(settings, job.Method, job.Epochs, parent.Model.FeatureConfig) with
            {
                RefineForProbe = job.Refines?.ProbeKind,
                Recalibrates = job.Refines?.Recalibrates == true,
                WaiveProbesAbove = job.RefitsUncovered == parent.Info.Version
                    ? DriftDetector.AlarmingShare(settings.Anomaly.FalseAlarmBudget, settings.Drift.Level) : null,
            }, cache, progress, probes: probes);
        status.SetActivity(DaemonState.Validating);
        history?.Add(new FinishedJob(job.Id, newNormal, ids, report.FitSeconds, report.Accepted, report.Reason, report.Probes));
        events.Emit("training_finished", NowMs, new JsonObject
        {
            ["job"] = job.Id, ["seconds"] = Math.Round(watch.Elapsed.TotalSeconds, 3), ["samples"] = windows.Count,
        });
        // A job's arrays (windows, activations, the cache's arena) sit mostly on the large-object heap, which only a gen-2
        // collection frees, and the daemon rarely makes one: without this the RSS stays at the job's peak for good
        // (docs/BENCHMARKS.md, "A retrain's peak"). Once per job, a few ms.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return new TrainedCandidate(candidate, report, parent.Info.Version, Metrics(report, windows), ids.Length > 0 ? ids.Min() : null);
    }

    /// <summary>
    /// A retrain command fits the newest windows it asked for. A drift job or a refine fits its episode, from the change's
    /// onset on, and with it every window since the first one the version in use was fitted on, while the store still
    /// holds them: the new version must cover what the one it replaces covered. Fitted on the new episode alone, a
    /// version forgot the conditions of the episode before, which came back and alarmed (fan ×1.3 silentA → hum60:
    /// 25.6 % false alarms after a second episode's job; docs/BENCHMARKS.md, issue 9 sessions 13 and 14).
    /// </summary>
    IReadOnlyList<SampleRecord> WindowsOf(AdaptationJob job, ModelInUse parent, DaemonSettings settings)
    {
        if (job.EpisodeStartS is not double episode) return samples.Newest(job.SamplesWanted);
        return samples.Newest(settings.Storage.SampleCapacity, (long)Math.Round(episode * 1000),
            registry.Get(parent.Info.Version)?.FitFromSample ?? long.MaxValue);
    }

    static Dictionary<string, double> Metrics(CandidateReport report, IReadOnlyList<SampleRecord> windows)
    {
        var metrics = new Dictionary<string, double>
        {
            ["falseAlarmsBefore"] = report.FalseAlarmsBefore,
            ["falseAlarmsAfter"] = report.FalseAlarmsAfter,
            ["threshold"] = report.Threshold,
            ["seconds"] = Math.Round(report.Seconds, 3),
            ["fitSeconds"] = Math.Round(report.FitSeconds, 3),
            ["windows"] = windows.Count,
            ["validationWindows"] = report.Validation,
            ["calibrationWindows"] = report.Calibration,
            ["spanSeconds"] = windows.Count == 0 ? 0 : (windows[^1].Ts - windows[0].Ts) / 1000.0,
        };
        if (report.Denoised > 0) metrics["denoisedWindows"] = report.Denoised;
        if (report.Rehearsed > 0) metrics["rehearsedWindows"] = report.Rehearsed;
        if (report.FaultRecallAfter is double recall) metrics["faultRecallAfter"] = recall;
        if (report.ProbeRecallAfter is double probeRecall) metrics["probeRecallAfter"] = probeRecall;
        if (report.ProbeRecallReference is double probeReference) metrics["probeRecallReference"] = probeReference;
        foreach (ProbeKindVerdict kind in report.Probes?.Kinds ?? [])
        {
            metrics[$"probeRecall.{kind.Kind}"] = kind.Candidate;
            metrics[$"probeReference.{kind.Kind}"] = kind.Reference;
            if (kind.Unadapted is double unadapted) metrics[$"probeUnadapted.{kind.Kind}"] = unadapted;
            if (kind.InUse is double inUse) metrics[$"probeInUse.{kind.Kind}"] = inUse; // a probe refine's yardstick (ProbeRefit)
        }
        return metrics;
    }

    sealed class TrainingProgressReporter(DaemonStatus status, Stopwatch watch) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            double fraction = p.Fraction;
            double? eta = fraction > 0 ? watch.Elapsed.TotalSeconds * (1 - fraction) / fraction : null;
            status.SetTraining(new TrainingInfo(fraction, p.Epoch, p.Epochs, eta));
        }
    }
}
