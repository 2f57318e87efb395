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
    public const bool DefaultRenormalise = true;
    public const double DefaultRehearsal = 0;
    public const ProbeBar DefaultProbeBar = ProbeBar.Unadapted;
    public const Validation DefaultValidation = Validation.Interleaved;
    public const double DefaultThresholdConfidence = 0.5;
    public const double DefaultDenoise = 0.25;

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
    /// <summary>How far, on any probe kind, the candidate's recall on probes of its new normal may fall below the bar <see cref="ProbeGuard"/> sets.</summary>
    public double MaxProbeRecallDrop { get; init; } = DefaultMaxProbeRecallDrop;
    /// <summary>Whether an autoencoder's candidate reads its inputs through the new normal's centre and spread (see <see cref="ModelAdapter"/>).</summary>
    public bool Renormalise { get; init; } = DefaultRenormalise;
    /// <summary>
    /// The share of the fit set made of the base's reservoir windows (the old normal, rehearsed so the adapters do not
    /// forget it); 0 fits the new normal alone, as does a base without a reservoir. Read through the candidate's normaliser.
    /// </summary>
    public double Rehearsal { get; init; } = DefaultRehearsal;
    /// <summary>Whether the probe guard's bar is also capped by what the network without adapters flags (<see cref="ProbeBar.Unadapted"/>).</summary>
    public ProbeBar ProbeBar { get; init; } = DefaultProbeBar;
    /// <summary>Which new-normal windows validate a candidate: every 4th (interleaved) or the latest quarter in data time.</summary>
    public Validation Validation { get; init; } = DefaultValidation;
    /// <summary>½: the threshold from the tail scale's estimate; above: from its upper confidence bound at this level (<see cref="TailThreshold"/>).</summary>
    public double ThresholdConfidence { get; init; } = DefaultThresholdConfidence;
    /// <summary>
    /// The share of fit windows an autoencoder's fit also learns to give back from a lifted band of them (<see cref="BandLifts"/>);
    /// 0 = off. Meant for features in a row (spectrum bins): the daemon fits waveform models without.
    /// </summary>
    public double Denoise { get; init; } = DefaultDenoise;
    public int Seed { get; init; } = 1;
    /// <summary>
    /// A refit for recall on this probe kind (the version in use passed it only by the unadapted network's cap), judged by
    /// <see cref="ProbeRefit"/>; null: a fit for a new normal, whose false alarms must fall.
    /// </summary>
    public string? RefineForProbe { get; init; }
    /// <summary>
    /// For a refit of a version whose own adaptation did not cover its new normal (its false-alarm watch found it over
    /// budget, or a drift was declared while it was watched): when that version flags at least this share of the refit's validation windows, a
    /// failed probe verdict does not refuse the candidate, it is kept as a waiver the promotion reports. The version in use
    /// then alarms on so much of the machine's normal that its alarms say nothing either, and refusing would keep it (a
    /// 64-wide spectrum base: 53 % false alarms left in use, while the refused refit caught 98–100 % of the real damage at
    /// 1.3 %; docs/BENCHMARKS.md, issue 9 session 18). Null: the verdict refuses as usual — always for a first fit of a
    /// change, where the version in use flags everything and its alarms mean nothing about the candidate.
    /// </summary>
    public double? WaiveProbesAbove { get; init; }
    /// <summary>
    /// A refit of a version whose threshold was read from few held-out windows, on more of the same new normal: its false alarms
    /// need not fall (the version in use may flag none because its threshold sits above the normal tail, and blind to a fault
    /// by as much); they must stay within what the budget lets through by chance (<see cref="ValidationSplit.ExceedsBudget"/>).
    /// </summary>
    public bool Recalibrates { get; init; }
    /// <summary>Threads of the base's forward passes in the fit (<see cref="Network.Threads"/>; the candidate is the same for any count).</summary>
    public int Threads { get; init; } = 1;
}

/// <summary>The verdict on a candidate and the numbers behind it.</summary>
public sealed record CandidateReport(
    bool Accepted,
    string Reason,
    float Threshold,
    double FalseAlarmsBefore,
    double FalseAlarmsAfter,
    double? FaultRecallBefore,
    double? FaultRecallAfter,
    ProbeVerdict? Probes,
    int Fitted,
    int Calibration,
    int Validation,
    double FitSeconds,
    double Seconds)
{
    /// <summary>Reservoir windows of the old normal the fit rehearsed besides the <see cref="Fitted"/> new ones.</summary>
    public int Rehearsed { get; init; }
    /// <summary>Lifted copies of fit windows the fit learned to give those windows back from (<see cref="AdaptationOptions.Denoise"/>).</summary>
    public int Denoised { get; init; }
    /// <summary>The candidate's recall on probes of its new normal, all kinds together (null without probes).</summary>
    public double? ProbeRecallAfter => Probes?.Recall;
    /// <summary>What that recall was held to, all kinds together.</summary>
    public double? ProbeRecallReference => Probes?.Reference;
}

/// <summary>
/// Fits fresh adapters on the frozen base to windows of a new normal (or, as the comparison baseline
/// <see cref="FullRetrain"/>, retrains a copy of the base), recalibrates the threshold, and judges the candidate:
/// false alarms on held-back new-normal windows must fall, known fault windows must stay above the new threshold,
/// and synthetic fault probes of the new normal must stay about as visible as that normal allows
/// (<see cref="ProbeGuard"/>). An autoencoder's candidate first re-centres its normaliser on the new normal
/// (<see cref="AdaptationOptions.Renormalise"/>). New-normal windows are split by position: every 4th validates, the
/// next one calibrates, the rest fit; the threshold is the (1 − budget) quantile of validation and calibration windows
/// together, read from a fit to their upper tail (<see cref="TailThreshold"/>).
/// </summary>
public static class ModelAdapter
{
    /// <summary>Not a fine-tuning method: every weight of a copy of the base retrained (the comparison baseline; never promoted).</summary>
    public const string FullRetrain = "full";

    /// <param name="newNormal">[n, d] raw features of the new normal, with their sample ids (the cache key).</param>
    /// <param name="faults">[m, d] raw features of windows known to be faulty; may be empty.</param>
    /// <param name="probes">Makes synthetic fault probes of the validation windows for the <see cref="ProbeGuard"/>; without
    /// it the guard does not apply.</param>
    public static (AnomalyModel Candidate, CandidateReport Report) Adapt(AnomalyModel current, float[] newNormal, long[] ids,
        float[] faults, AdaptationOptions options, IForwardCacheStore? cacheStore = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default, ProbeSet? probes = null)
    {
        int d = current.InputSize, n = ids.Length, m = faults.Length / d;
        if (n < 8) throw new ArgumentException($"Adaptation needs at least 8 new-normal windows, got {n}.");
        var watch = Stopwatch.StartNew();
        current = current.ForAnotherThread(); // the caller's model keeps scoring on its own thread
        current.Base.Threads = options.Threads; // the copy's: the fine-tune's cold forward and the full retrain's clone use it
        (int[] validation, int[] calibration, int[] fit) = ValidationSplit.Of(n, options.Validation);

        var fitting = Stopwatch.StartNew();
        AnomalyModel fitted = Renormalised(current, newNormal, d, fit, options.Renormalise);
        TrainingOptions training = options.Training with { Objective = current.Head.Objective, Seed = options.Seed };
        long[] fitIds = [.. fit.Select(i => ids[i])];
        int[] lifted = options.Denoise > 0 && !current.Head.IsClassifier ? BandLifts.Rows(fit.Length, options.Denoise) : [];
        SampleSet fitSet = FitSet(current, fitted, newNormal, fit, fitIds, d, options.Rehearsal, options.Seed, lifted);
        AnomalyModel scorer;
        if (options.Method == FullRetrain)
        {
            // The baseline: every weight of a copy retrained from the same starting weights, same epochs and
            // optimiser; `current` keeps its weights for the before-and-after comparison below.
            Network retrained = current.Base.Clone();
            new Trainer(retrained, training).Train(fitSet, progress, cancellation);
            scorer = new AnomalyModel(retrained, current.BaseHash, fitted.Mean, fitted.Std, current.FeatureConfig, 0, current.Reference,
                exemplars: current.Exemplars, head: current.Head, exemplarLabels: current.ExemplarLabels, scoreShare: current.ScoreShare);
        }
        else
        {
            FineTuner tuner = FineTuneMethods.Create(options.Method, current.Base, new FineTuneOptions
            {
                Rank = options.Rank,
                BaseHash = current.BaseHash,
                // The forward cache holds the base's activations of normalised inputs: entries of another normaliser
                // never fit, so a renormalised fit caches for its own epochs only, in memory.
                CacheStore = ReferenceEquals(fitted, current) ? cacheStore : null,
                Training = training,
            });
            tuner.Fit(fitSet, progress, cancellation);
            scorer = fitted.WithAdapters(tuner, 0, current.Reference);
        }
        double fitSeconds = fitting.Elapsed.TotalSeconds;
        var heldZ = new float[(calibration.Length + validation.Length) * d]; // [calibration; validation], normalised
        fitted.NormalizeRows(newNormal, calibration, heldZ);
        fitted.NormalizeRows(newNormal, validation, heldZ.AsSpan(calibration.Length * d));
        float[] heldScores = scorer.ScoreNormalized(heldZ, calibration.Length + validation.Length);
        // The threshold's quantile comes from every window the adapters did not fit: with half the collection
        // instead of a quarter, the 99th percentile of a first job's ~100 windows is no longer their maximum; the tail fit
        // keeps it from sitting between the two largest (≈ 2 % false alarms for a 1 % budget).
        float threshold = TailThreshold.Of(heldScores, options.FalseAlarmBudget, options.ThresholdConfidence);
        // Validated on later windows: the threshold of the earlier (calibration) windows alone must hold on them, or
        // the fit has not seen the whole new normal yet.
        float checkedThreshold = options.Validation == Validation.Later ? TailThreshold.Of(heldScores[..calibration.Length], options.FalseAlarmBudget, options.ThresholdConfidence) : threshold;

        float[] validationRaw = Gather(newNormal, d, validation);
        double before = FlaggedShare(current.ScoreMany(validationRaw, validation.Length), current.Threshold);
        double after = FlaggedShare(heldScores[calibration.Length..], checkedThreshold);
        double? recallBefore = null, recallAfter = null;
        if (m > 0)
        {
            recallBefore = FlaggedShare(current.ScoreMany(faults, m), current.Threshold);
            recallAfter = FlaggedShare(scorer.ScoreMany(faults, m), threshold);
        }

        ProbeVerdict? probeVerdict = probes is null ? null : ProbeGuard.Judge((x, count) => scorer.ScoreMany(x, count),
            threshold, probes, validationRaw, Gather(newNormal, d, fit), Gather(newNormal, d, calibration), d,
            options.FalseAlarmBudget, current.ProbeReference, options.MaxProbeRecallDrop, [.. validation.Select(i => ids[i])],
            options.ProbeBar == ProbeBar.Unadapted ? Unadapted(fitted, current.Reference, heldZ, calibration.Length, options.FalseAlarmBudget) : null,
            options.RefineForProbe is null ? null : ((x, count) => current.ScoreMany(x, count), current.Threshold));
        if (probeVerdict is { Blocks: true } && options.WaiveProbesAbove is double waiveAbove && before >= waiveAbove)
            probeVerdict = probeVerdict with { Waiver = $"waived, the version it replaces flags {before:P1} of the same new-normal windows" };
        ProbeKindVerdict? refined = probeVerdict?.Kinds.FirstOrDefault(k => k.Kind == options.RefineForProbe && k.InUse is not null);

        ReferenceStatistics reference = ReferenceStatistics.Measure(heldZ, calibration.Length + validation.Length, heldScores, threshold);
        AnomalyModel candidate = scorer.WithAdapters(scorer.Adapted, threshold, reference);

        string reason;
        bool accepted;
        if (recallAfter < options.MinFaultRecall)
            (accepted, reason) = (false, $"known faults would go unflagged: recall {recallAfter:P1} < {options.MinFaultRecall:P0} (the new normal may itself be a fault)");
        else if (probeVerdict is { Blocks: true })
            (accepted, reason) = (false, probeVerdict.Blindness);
        else if (options.Validation == Validation.Later && ValidationSplit.ExceedsBudget(after, validation.Length, options.FalseAlarmBudget))
            (accepted, reason) = (false, $"not covered yet: {after:P1} false alarms on the latest {validation.Length} windows at the earlier windows' threshold " +
                $"(more than a {options.FalseAlarmBudget:P0} budget allows at 1 % significance)");
        else if (refined is not null && ProbeRefit.Refusal(refined, before, after, options.MaxProbeRecallDrop) is { } refusal)
            (accepted, reason) = (false, refusal);
        else if (refined is null && options.Recalibrates && ValidationSplit.ExceedsBudget(after, validation.Length, options.FalseAlarmBudget))
            (accepted, reason) = (false, $"false alarms {after:P1} on held-back new-normal windows: more than a {options.FalseAlarmBudget:P0} budget allows");
        else if (refined is null && !options.Recalibrates && (after > before || (after == before && after > options.FalseAlarmBudget)))
            (accepted, reason) = (false, $"false alarms on held-back new-normal windows did not fall ({before:P1} → {after:P1})");
        else
            (accepted, reason) = (true, $"false alarms {before:P1} → {after:P1}" + (recallAfter is null ? "" : $", known-fault recall {recallAfter:P1}")
                + (refined is null ? "" : $", {refined.Kind} probes {refined.InUse:P1} → {refined.Candidate:P1}")
                + (probeVerdict is null ? "" : $", probe recall {probeVerdict.Recall:P1}" + (probeVerdict.Passed ? "" : $" ({probeVerdict.NotEnforced}: {probeVerdict.Blindness})")));
        return (candidate, new CandidateReport(accepted, reason, threshold, before, after, recallBefore, recallAfter, probeVerdict,
            fit.Length, calibration.Length, validation.Length, fitSeconds, watch.Elapsed.TotalSeconds)
        {
            Denoised = lifted.Length,
            Rehearsed = fitSet.Count - fit.Length - lifted.Length - (current.Head.IsClassifier ? current.ExemplarCount : 0),
        });
    }

    /// <summary>
    /// What the adapters fit, built in one array: the new-normal windows; rehearsal windows from the base's reservoir, so
    /// that they make up <paramref name="rehearsal"/> of the set; and — for a classifier — the base's exemplars with their
    /// classes, so that "normal" is not the only answer left; for an autoencoder, lifted copies of the fit windows at
    /// <paramref name="lifted"/> (<see cref="BandLifts"/>), each trained to give its clean window back. Every window is
    /// read through the candidate's normaliser (<paramref name="fitted"/>; a classifier's is the base's). Exemplars,
    /// reservoir windows and lifted copies get negative ids in ranges of their own: their cache entries belong to the
    /// base and never meet the sample store's ids (which are positive) or each other's.
    /// </summary>
    /// <param name="newNormal">[n, d] raw new-normal windows; <paramref name="fit"/> picks the fitted ones, <paramref name="fitIds"/> their sample ids.</param>
    static SampleSet FitSet(AnomalyModel model, AnomalyModel fitted, float[] newNormal, int[] fit, long[] fitIds, int d, double rehearsal, int seed,
        int[] lifted)
    {
        int fitCount = fit.Length;
        int[] rehearsed = RehearsalRows(model.ReservoirCount, fitCount, rehearsal, seed);
        int exemplars = model.Head.IsClassifier ? model.ExemplarCount : 0;
        int extra = lifted.Length > 0 ? lifted.Length : exemplars;
        var inputs = new float[(fitCount + rehearsed.Length + extra) * d]; // [fit; reservoir; lifted copies or exemplars]
        fitted.NormalizeRows(newNormal, fit, inputs);
        fitted.NormalizeRows(model.Reservoir, rehearsed, inputs.AsSpan(fitCount * d));
        long[] reservoirIds = [.. rehearsed.Select(r => ReservoirIdBase - r)];
        Span<float> tail = inputs.AsSpan((fitCount + rehearsed.Length) * d);
        if (lifted.Length > 0)
        {
            long[] liftedIds = BandLifts.Lift(inputs.AsSpan(0, fitCount * d), fitIds, d, lifted, tail);
            int[] targetRows = [.. Enumerable.Range(0, fitCount + rehearsed.Length), .. lifted];
            return new SampleSet(d, inputs, ids: [.. fitIds, .. reservoirIds, .. liftedIds], targetRows: targetRows);
        }
        if (!model.Head.IsClassifier) return new SampleSet(d, inputs, ids: [.. fitIds, .. reservoirIds]);
        model.NormalizeRows(model.Exemplars, [.. Enumerable.Range(0, exemplars)], tail);
        int[] labels = [.. Enumerable.Repeat(model.Head.NormalClass, fitCount + rehearsed.Length), .. model.ExemplarLabels];
        return new SampleSet(d, inputs, labels, [.. fitIds, .. reservoirIds, .. Enumerable.Range(0, exemplars).Select(i => -1L - i)]);
    }

    /// <summary>Forward-cache id of reservoir window r: ReservoirIdBase − r, far below any exemplar's −1 − i.</summary>
    internal const long ReservoirIdBase = -(1L << 40);

    /// <summary>
    /// Which reservoir windows join <paramref name="fitted"/> new windows so that they are <paramref name="share"/> of
    /// the fit set: a seeded sample, all of them when the reservoir is smaller than that.
    /// </summary>
    internal static int[] RehearsalRows(int reservoir, int fitted, double share, int seed)
    {
        if (share <= 0 || reservoir == 0) return [];
        int wanted = (int)Math.Min(reservoir, Math.Round(fitted * Math.Min(share, 0.95) / (1 - Math.Min(share, 0.95))));
        int[] order = [.. Enumerable.Range(0, reservoir)];
        var random = new Random(seed);
        for (int i = 0; i < wanted; i++)
        {
            int j = random.Next(i, reservoir);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return [.. order.Take(wanted).Order()];
    }

    /// <summary>
    /// The current model read through the fit windows' own centre, and their spread where it is wider than the
    /// base's (never narrower: a quiet room's tight spread must not turn small wobbles into alarms). A room change
    /// moves every feature's level (a noise floor, a hum); re-centring gives that to the adapters for free, so
    /// their rank goes to what the room changed in the shape. Off: the current normaliser as it is.
    /// </summary>
    static AnomalyModel Renormalised(AnomalyModel current, float[] newNormal, int d, int[] fit, bool renormalise)
    {
        if (!renormalise || current.Head.IsClassifier) return current; // a classifier's exemplars keep their classes' places
        (float[] mean, float[] std) = Normaliser.Fit(newNormal, d, fit);
        for (int i = 0; i < d; i++) std[i] = Math.Max(std[i], current.BaseStd[i]);
        return current.WithNormaliser(mean, std);
    }

    /// <summary>The network without adapters through the candidate's normaliser, thresholded at the budget on the calibration windows.</summary>
    static (Func<float[], int, float[]>, float) Unadapted(AnomalyModel fitted, ReferenceStatistics reference, float[] heldZ, int calibration, double budget)
    {
        AnomalyModel plain = fitted.WithAdapters(null, 0, reference);
        float threshold = TailThreshold.Of(plain.ScoreNormalized(heldZ.AsSpan(0, calibration * plain.InputSize), calibration), budget);
        return ((x, count) => plain.ScoreMany(x, count), threshold);
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
