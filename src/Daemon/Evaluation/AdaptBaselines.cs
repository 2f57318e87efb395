using System.Diagnostics;
using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.Baselines;
using SensorOdl.Learning.Caches;

namespace SensorOdl.Daemon.Evaluation;

/// <summary>A baseline's verdicts: held-back false alarms, recall per fault group, and its fitting time.</summary>
public sealed record BaselineResult(double FalseAlarmRateAfter, IReadOnlyDictionary<string, double> FaultRecallAfter, double Seconds);

/// <summary>
/// What adaptation is compared with, on the same windows: a full retrain of every weight of the base (same
/// optimiser, epochs and starting weights as the adapters), a threshold-only recalibration of the base on the
/// streamed windows, and a PCA detector refitted on the source and the streamed windows.
/// </summary>
public sealed class AdaptBaselines(DaemonSettings settings, AdaptScenario scenario)
{
    /// <summary>Every weight retrained on a job's windows; the model the comparison scores, and its seconds (one thread).</summary>
    public (AnomalyModel Model, double Seconds) FullRetrain(FinishedJob job)
    {
        (AnomalyModel full, CandidateReport report) = ModelAdapter.Adapt(scenario.Base, job.Features, job.Ids, scenario.Base.Exemplars, Options(ModelAdapter.FullRetrain));
        return (full, report.FitSeconds);
    }

    /// <summary>
    /// The fitting seconds of the daemon's method and of the full retrain on a job's windows, each the least of
    /// <paramref name="repeats"/> fits from the base, alternately (one thread each; the adapters' forward cache empty
    /// every time, so its one base forward counts); <paramref name="fullSeconds"/> is a full retrain of the job already
    /// timed, the first of its side. A single fit of a few hundred windows lasts tens of milliseconds, where a timer tick
    /// or the other core's load moves it by 2× (docs/BENCHMARKS.md): the least of several is the cost of the arithmetic,
    /// on both sides alike.
    /// </summary>
    public (double Adapt, double Full) FitSeconds(FinishedJob job, int repeats, double fullSeconds)
    {
        double adapt = double.MaxValue, full = fullSeconds;
        for (int i = 0; i < repeats; i++)
        {
            adapt = Math.Min(adapt, ModelAdapter.Adapt(scenario.Base, job.Features, job.Ids, scenario.Base.Exemplars, Options(settings.Adaptation.Method),
                new InMemoryForwardCacheStore()).Report.FitSeconds);
            if (i < repeats - 1) full = Math.Min(full, FullRetrain(job).Seconds);
        }
        return (adapt, full);
    }

    /// <summary>
    /// The daemon's options for <paramref name="method"/> (<see cref="JobOptions"/>: the same fit set — rehearsal windows count
    /// on both sides —, split, threshold rule and training), on one thread: both sides of the timing alike.
    /// </summary>
    AdaptationOptions Options(string method) =>
        JobOptions.For(settings, method, settings.Adaptation.Epochs, scenario.Base.FeatureConfig) with { Threads = 1 };

    public BaselineResult FullRetrainVerdict(FinishedJob job)
    {
        (AnomalyModel full, double seconds) = FullRetrain(job);
        return Verdict(full, seconds);
    }

    public BaselineResult ThresholdOnly()
    {
        var watch = Stopwatch.StartNew();
        float[] scores = AdaptScenario.Scores(scenario.Base, scenario.Streamed.Features, scenario.Streamed.Count);
        float threshold = Quantiles.Of(scores, 1 - settings.Anomaly.FalseAlarmBudget);
        double seconds = watch.Elapsed.TotalSeconds;
        return Verdict((x, n) => AdaptScenario.Scores(scenario.Base, x, n), threshold, seconds);
    }

    /// <summary>PCA on source + streamed windows (every 4th held out to calibrate its threshold at our quantile).</summary>
    public BaselineResult Pca()
    {
        var watch = Stopwatch.StartNew();
        int d = scenario.FeatureSize;
        float[] all = [.. scenario.Source.Features, .. scenario.Streamed.Features];
        int n = all.Length / d;
        float[] Rows(Func<int, bool> keep)
        {
            int[] rows = [.. Enumerable.Range(0, n).Where(keep)];
            var x = new float[rows.Length * d];
            for (int i = 0; i < rows.Length; i++) all.AsSpan(rows[i] * d, d).CopyTo(x.AsSpan(i * d, d));
            return x;
        }
        float[] fit = Rows(i => i % 4 != 1), calibration = Rows(i => i % 4 == 1);
        PcaDetector pca = PcaDetector.Fit(fit, fit.Length / d, calibration, d, settings.Anomaly.FalseAlarmBudget);
        return Verdict(pca.Scores, pca.Threshold, watch.Elapsed.TotalSeconds);
    }

    public BaselineResult Verdict(AnomalyModel model, double seconds) => Verdict((x, n) => AdaptScenario.Scores(model, x, n), model.Threshold, seconds);

    BaselineResult Verdict(Func<float[], int, float[]> score, float threshold, double seconds) => new(
        AdaptScenario.Flagged(score, scenario.HeldBack, threshold),
        scenario.Faults.ToDictionary(g => g.Key, g => AdaptScenario.Flagged(score, g.Value, threshold)),
        Math.Round(seconds, 3));
}
