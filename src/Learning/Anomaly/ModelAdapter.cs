using System.Diagnostics;
using SensorOdl.Learning.Caches;
using SensorOdl.Learning.FineTuning;
using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Training;

namespace SensorOdl.Learning.Anomaly;

/// <summary>
/// How a candidate is fitted to a new normal and judged. The <c>Default…</c> constants are the one source of the
/// adaptation defaults: the daemon's <c>Adaptation</c> settings start from them, and the figures in
/// docs/BENCHMARKS.md were measured with them.
/// </summary>
public sealed record AdaptationOptions
{
    public const string DefaultMethod = "skip2-lora-q4";
    public const int DefaultRank = 4;
    public const int DefaultEpochs = 30;
    /// <summary>Adam's learning rate; a double so that a configuration value can take it as it is (trained as <c>(float)</c> of it).</summary>
    public const double DefaultLearningRate = 0.002;
    public const int DefaultBatchSize = 16;
    public const double DefaultMinFaultRecall = 0.9;
    public const double DefaultMaxProbeRecallDrop = 0.2;

    /// <summary>Every setting at its default.</summary>
    public static AdaptationOptions Defaults { get; } = new();

    public string Method { get; init; } = DefaultMethod;
    public int Rank { get; init; } = DefaultRank;
    /// <summary>Epochs, mini-batch and learning rate of the fit; its objective and seed are replaced by the head's and <see cref="Seed"/>.</summary>
    public TrainingOptions Training { get; init; } = new()
    {
        Epochs = DefaultEpochs,
        BatchSize = DefaultBatchSize,
        LearningRate = (float)DefaultLearningRate,
        Objective = Objective.Reconstruction,
    };
    /// <summary>The share of held-back new-normal windows the recalibrated threshold lets through.</summary>
    public double FalseAlarmBudget { get; init; } = 0.01;
    /// <summary>Share of known fault windows (exemplars, operator labels) the candidate must still flag.</summary>
    public double MinFaultRecall { get; init; } = DefaultMinFaultRecall;
    /// <summary>How far the candidate's recall on probes of its new normal may fall below the base's on probes of its own (<see cref="AnomalyModel.ProbeReference"/>).</summary>
    public double MaxProbeRecallDrop { get; init; } = DefaultMaxProbeRecallDrop;
    public int Seed { get; init; } = 1;
}

/// <summary>
/// Synthetic fault probes of normal windows: [n, d] raw features in, [n·k, d] raw features of k perturbed copies
/// of each out (made by the caller, who knows the sensor and the feature transform).
/// </summary>
public delegate float[] ProbeMaker(float[] windows, int n);

/// <summary>The verdict on a candidate and the numbers behind it.</summary>
public sealed record CandidateReport(
    bool Accepted,
    string Reason,
    float Threshold,
    double FalseAlarmsBefore,
    double FalseAlarmsAfter,
    double? FaultRecallBefore,
    double? FaultRecallAfter,
    double? ProbeRecallReference,
    double? ProbeRecallAfter,
    int Fitted,
    int Calibration,
    int Validation,
    double Seconds);

/// <summary>
/// Fits fresh adapters on the frozen base to windows of a new normal (or, as the comparison baseline
/// <see cref="FullRetrain"/>, retrains a copy of the base), recalibrates the threshold, and judges the candidate:
/// false alarms on held-back new-normal windows must fall, and known fault windows must stay above the new
/// threshold. New-normal windows are split by position: every 4th validates, the next one calibrates, the rest fit.
/// </summary>
public static class ModelAdapter
{
    /// <summary>Not a fine-tuning method: every weight of a copy of the base retrained (the comparison baseline; never promoted).</summary>
    public const string FullRetrain = "full";

    /// <param name="newNormal">[n, d] raw features of the new normal, with their sample ids (the cache key).</param>
    /// <param name="faults">[m, d] raw features of windows known to be faulty; may be empty.</param>
    /// <param name="probes">Makes synthetic fault probes of the validation windows; without it (or without the base's
    /// probe reference) the probe guard does not apply.</param>
    public static (AnomalyModel Candidate, CandidateReport Report) Adapt(AnomalyModel current, float[] newNormal, long[] ids,
        float[] faults, AdaptationOptions options, IForwardCacheStore? cacheStore = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default, ProbeMaker? probes = null)
    {
        int d = current.InputSize, n = ids.Length, m = faults.Length / d;
        if (n < 8) throw new ArgumentException($"Adaptation needs at least 8 new-normal windows, got {n}.");
        var watch = Stopwatch.StartNew();
        current = current.ForAnotherThread(); // the caller's model keeps scoring on its own thread
        int[] validation = [.. Enumerable.Range(0, n).Where(i => i % 4 == 0)];
        int[] calibration = [.. Enumerable.Range(0, n).Where(i => i % 4 == 1)];
        int[] fit = [.. Enumerable.Range(0, n).Where(i => i % 4 > 1)];

        float[] z = current.NormalizeMany(newNormal, n);
        TrainingOptions training = options.Training with { Objective = current.Head.Objective, Seed = options.Seed };
        SampleSet fitSet = FitSet(current, z, d, fit, ids);
        AnomalyModel scorer;
        if (options.Method == FullRetrain)
        {
            // The baseline: every weight of a copy retrained from the same starting weights, same epochs and
            // optimiser; `current` keeps its weights for the before-and-after comparison below.
            Network retrained = current.Base.Clone();
            new Trainer(retrained, training).Train(fitSet, progress, cancellation);
            scorer = new AnomalyModel(retrained, current.BaseHash, current.Mean, current.Std, current.FeatureConfig, 0, current.Reference,
                exemplars: current.Exemplars, head: current.Head, exemplarLabels: current.ExemplarLabels);
        }
        else
        {
            FineTuner tuner = FineTuneMethods.Create(options.Method, current.Base, new FineTuneOptions
            {
                Rank = options.Rank,
                BaseHash = current.BaseHash,
                CacheStore = cacheStore,
                Training = training,
            });
            tuner.Fit(fitSet, progress, cancellation);
            scorer = current.WithAdapters(tuner, 0, current.Reference);
        }
        float[] calibrationZ = Gather(z, d, calibration);
        float threshold = Quantiles.Of(scorer.ScoreNormalized(calibrationZ, calibration.Length), 1 - options.FalseAlarmBudget);

        float[] validationZ = Gather(z, d, validation);
        double before = FlaggedShare(current.ScoreNormalized(validationZ, validation.Length), current.Threshold);
        double after = FlaggedShare(scorer.ScoreNormalized(validationZ, validation.Length), threshold);
        double? recallBefore = null, recallAfter = null;
        if (m > 0)
        {
            float[] faultZ = current.NormalizeMany(faults, m);
            recallBefore = FlaggedShare(current.ScoreNormalized(faultZ, m), current.Threshold);
            recallAfter = FlaggedShare(scorer.ScoreNormalized(faultZ, m), threshold);
        }

        double? probeRecall = null;
        if (probes is not null)
        {
            float[] probeWindows = probes(Gather(newNormal, d, validation), validation.Length);
            int p = probeWindows.Length / d;
            probeRecall = FlaggedShare(scorer.ScoreNormalized(current.NormalizeMany(probeWindows, p), p), threshold);
        }

        float[] heldZ = [.. calibrationZ, .. validationZ];
        float[] heldScores = scorer.ScoreNormalized(heldZ, calibration.Length + validation.Length);
        ReferenceStatistics reference = ReferenceStatistics.Measure(heldZ, calibration.Length + validation.Length, heldScores, threshold);
        AnomalyModel candidate = scorer.WithAdapters(scorer.Adapted, threshold, reference);

        string reason;
        bool accepted;
        if (recallAfter < options.MinFaultRecall)
            (accepted, reason) = (false, $"known faults would go unflagged: recall {recallAfter:P1} < {options.MinFaultRecall:P0} (the new normal may itself be a fault)");
        else if (current.ProbeReference is double probeReference && probeRecall < probeReference - options.MaxProbeRecallDrop)
            (accepted, reason) = (false, $"blind to synthetic fault probes: it flags {probeRecall:P1} of those made from the new normal, the base {probeReference:P1} of those made from its own (at most {options.MaxProbeRecallDrop:P0} less allowed)");
        else if (after > before || (after == before && after > options.FalseAlarmBudget))
            (accepted, reason) = (false, $"false alarms on held-back new-normal windows did not fall ({before:P1} → {after:P1})");
        else
            (accepted, reason) = (true, $"false alarms {before:P1} → {after:P1}" + (recallAfter is null ? "" : $", known-fault recall {recallAfter:P1}")
                + (probeRecall is null ? "" : $", probe recall {probeRecall:P1}"));
        return (candidate, new CandidateReport(accepted, reason, threshold, before, after, recallBefore, recallAfter, current.ProbeReference, probeRecall,
            fit.Length, calibration.Length, validation.Length, watch.Elapsed.TotalSeconds));
    }

    /// <summary>
    /// What the adapters fit: the new-normal windows, plus — for a classifier — the base's exemplars with their
    /// classes, so that "normal" is not the only answer left. Exemplars get negative ids: their cache entries
    /// belong to the base and never meet the sample store's ids.
    /// </summary>
    static SampleSet FitSet(AnomalyModel model, float[] z, int d, int[] rows, long[] ids)
    {
        float[] inputs = Gather(z, d, rows);
        long[] fitIds = [.. rows.Select(r => ids[r])];
        if (!model.Head.IsClassifier) return new SampleSet(d, inputs, ids: fitIds);
        float[] exemplars = model.NormalizeMany(model.Exemplars, model.ExemplarCount);
        int[] labels = [.. Enumerable.Repeat(model.Head.NormalClass, rows.Length), .. model.ExemplarLabels];
        return new SampleSet(d, [.. inputs, .. exemplars], labels, [.. fitIds, .. Enumerable.Range(0, model.ExemplarCount).Select(i => -1L - i)]);
    }

    static float[] Gather(float[] z, int d, int[] rows)
    {
        var result = new float[rows.Length * d];
        for (int i = 0; i < rows.Length; i++) z.AsSpan(rows[i] * d, d).CopyTo(result.AsSpan(i * d));
        return result;
    }

    static double FlaggedShare(float[] scores, float threshold) =>
        scores.Length == 0 ? 0 : (double)scores.Count(s => s > threshold) / scores.Length;
}
