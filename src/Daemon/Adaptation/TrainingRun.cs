using System.Diagnostics;
using System.Text.Json.Nodes;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.Caches;
using SensorOdl.Learning.Training;

namespace SensorOdl.Daemon.Adaptation;

/// <summary>A fitted, validated candidate (accepted or not), the version it was fitted on and its metrics.</summary>
sealed record TrainedCandidate(AnomalyModel Model, CandidateReport Report, int ParentVersion, Dictionary<string, double> Metrics);

/// <summary>
/// The fit of one job: reads its windows, fits fresh adapters on the active version with <see cref="ModelAdapter"/>
/// and reports the run (training_started, training_finished, the status' progress). The verdict is the caller's.
/// </summary>
sealed class TrainingRun(SampleStore samples, IEventSink events, DaemonStatus status, IForwardCacheStore cache, ActiveModel active,
    TimeProvider time, ProbeSet? probes)
{
    long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Fits <paramref name="job"/>; adds it to <paramref name="history"/> when given.</summary>
    public TrainedCandidate Fit(AdaptationJob job, DaemonSettings settings, List<FinishedJob>? history)
    {
        var watch = Stopwatch.StartNew();
        IReadOnlyList<SampleRecord> windows = job.EpisodeStartS is double episode
            ? samples.Newest(settings.Storage.SampleCapacity, (long)Math.Round(episode * 1000))
            : samples.Newest(job.SamplesWanted);
        status.SetActivity(DaemonState.Training);
        events.Emit("training_started", NowMs, new JsonObject
        {
            ["job"] = job.Id, ["method"] = job.Method, ["epochs"] = job.Epochs, ["samples"] = windows.Count, ["reason"] = job.Description,
        });
        ModelInUse parent = active.Current;
        float[] newNormal = [.. windows.SelectMany(w => w.Vector())];
        long[] ids = [.. windows.Select(w => w.Id)];
        float[] faults = [.. parent.Model.Exemplars, .. samples.Labelled("fault").SelectMany(w => w.Vector())];
        var progress = new TrainingProgressReporter(status, watch);
        (AnomalyModel candidate, CandidateReport report) =
            ModelAdapter.Adapt(parent.Model, newNormal, ids, faults, JobOptions.For(settings, job.Method, job.Epochs, parent.Model.FeatureConfig) with
            {
                RefineForProbe = job.Refines?.ProbeKind,
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
        return new TrainedCandidate(candidate, report, parent.Info.Version, Metrics(report, windows));
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
