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

    /// <summary>Most fits of each side one timing makes, however short they are.</summary>
    public const int MaxTimingRepeats = 50;

    /// <summary>Whether a timing that made <paramref name="fits"/> fits of each side, its full retrains <paramref name="fullTotal"/> seconds together, makes another pair.</summary>
    internal static bool MoreFits(int fits, int repeats, double fullTotal, double minimumSeconds) =>
        fits < repeats || (fullTotal < minimumSeconds && fits < MaxTimingRepeats);

    /// <summary>
    /// The fitting seconds of the daemon's method and of the full retrain on a job's windows, each the least of
    /// <paramref name="repeats"/> fits from the base, alternately (one thread each; the adapters' forward cache empty
    /// every time, so its one base forward counts) — or of more, until the full retrains have run
    /// <paramref name="minimumSeconds"/> together (at most <see cref="MaxTimingRepeats"/>); <paramref name="fullSeconds"/>
    /// is a full retrain of the job already timed, the first of its side. A single fit of a few hundred windows lasts
    /// tens of milliseconds, where a timer tick, a page fault on fresh memory or the other core's load moves it by 2×
    /// (docs/BENCHMARKS.md): the least of several is the cost of the arithmetic, on both sides alike, and the shorter the
    /// fits, the more of them that takes.
    /// </summary>
    public (double Adapt, double Full) FitSeconds(FinishedJob job, int repeats, double fullSeconds, double minimumSeconds = 0)
    {
        double adapt = double.MaxValue, full = fullSeconds, fullTotal = fullSeconds;
        for (int fits = 1; ; fits++)
        {
            adapt = Math.Min(adapt, ModelAdapter.Adapt(scenario.Base, job.Features, job.Ids, scenario.Base.Exemplars, Options(settings.Adaptation.Method),
                new InMemoryForwardCacheStore()).Report.FitSeconds);
            if (!MoreFits(fits, repeats, fullTotal, minimumSeconds)) return (adapt, full);
            double seconds = FullRetrain(job).Seconds;
            full = Math.Min(full, seconds);
            fullTotal += seconds;
        }
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
