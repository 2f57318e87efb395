using SensorOdl.Learning.Models;
using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Training;

namespace SensorOdl.Learning.Anomaly;

/// <summary>
/// Trains base anomaly models, an autoencoder from normal windows or a classifier from labelled ones: normaliser,
/// network, threshold calibrated on held-back normal windows, reference statistics.
/// </summary>
public static class AnomalyTrainer
{
    /// <summary>features: [count, d] raw feature vectors of normal windows.</summary>
    /// <param name="exemplars">[m, d] raw features of labelled fault windows, stored with the model; may be empty.</param>
    public static AnomalyModel TrainBase(float[] features, int count, string featureConfig, AnomalyTrainingOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default, float[]? exemplars = null)
    {
        if (count < 10) throw new ArgumentException($"Training needs at least 10 normal windows, got {count}.");
        int d = features.Length / count;
        (int[] fit, int[] held) = Split(count, options.HoldOut, options.Seed);
        (float[] mean, float[] std) = Normaliser.Fit(features, d, fit);

        Network network = NetworkFactory.Autoencoder(d, options.HiddenFor(d), options.Seed);
        var provisional = new AnomalyModel(network, "", mean, std, featureConfig, 0, Empty(d), scoreShare: options.ScoreShare);
        float[] zFit = Rows(provisional, features, d, fit);
        new Trainer(network, options.Training with { Objective = Objective.Reconstruction, Seed = options.Seed })
            .Train(new SampleSet(d, zFit), progress, cancellation);

        (float threshold, ReferenceStatistics reference) = Calibrate(provisional, features, d, held, options.FalseAlarmBudget);
        float[] reservoir = Reservoir(features, count, d, options.ReservoirSize, options.Seed);
        return Hashed(hash => new AnomalyModel(network, hash, mean, std, featureConfig, threshold, reference, exemplars: exemplars, reservoir: reservoir,
            scoreShare: options.ScoreShare));
    }

    /// <summary>
    /// The classifier head: features: [count, d] of windows labelled with their class (normal or a fault type).
    /// The threshold on 1 − P(normal) is calibrated on held-back normal windows; the fault windows become the
    /// exemplars (with their classes) that every adapted version must still flag.
    /// </summary>
    public static AnomalyModel TrainClassifier(float[] features, int count, int[] labels, ModelHead head, string featureConfig,
        AnomalyTrainingOptions options, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        if (!head.IsClassifier) throw new ArgumentException("TrainClassifier needs a classifier head.");
        int d = features.Length / count;
        if (labels.Count(l => l == head.NormalClass) < 10 || labels.All(l => l == head.NormalClass))
            throw new ArgumentException("A classifier needs at least 10 normal windows and some fault windows.");
        (int[] fit, int[] held) = Split(count, options.HoldOut, options.Seed);
        (float[] mean, float[] std) = Normaliser.Fit(features, d, fit);
        Network network = NetworkFactory.Classifier(d, [Math.Clamp(d / 4, 16, 128), Math.Clamp(d / 16, 8, 32)], head.Classes.Length, options.Seed);
        var provisional = new AnomalyModel(network, "", mean, std, featureConfig, 0, Empty(d), head: head);
        new Trainer(network, options.Training with { Objective = Objective.Classification, Seed = options.Seed })
            .Train(new SampleSet(d, Rows(provisional, features, d, fit), [.. fit.Select(r => labels[r])]), progress, cancellation);

        int[] heldNormal = [.. held.Where(r => labels[r] == head.NormalClass)];
        (float threshold, ReferenceStatistics reference) = Calibrate(provisional, features, d, heldNormal, options.FalseAlarmBudget);
        int[] faults = [.. Enumerable.Range(0, count).Where(r => labels[r] != head.NormalClass)];
        int stride = Math.Max(1, faults.Length / MaxExemplars);
        int[] kept = [.. faults.Where((_, i) => i % stride == 0).Take(MaxExemplars)];
        float[] exemplars = [.. kept.SelectMany(r => features.AsSpan(r * d, d).ToArray())];
        int[] exemplarLabels = [.. kept.Select(r => labels[r])];
        int[] normal = [.. Enumerable.Range(0, count).Where(r => labels[r] == head.NormalClass)];
        float[] normalFeatures = Rows(normal, features, d);
        float[] reservoir = Reservoir(normalFeatures, normal.Length, d, options.ReservoirSize, options.Seed);
        return Hashed(hash => new AnomalyModel(network, hash, mean, std, featureConfig, threshold, reference,
            exemplars: exemplars, head: head, exemplarLabels: exemplarLabels, reservoir: reservoir));
    }

    const int MaxExemplars = 1000;

    /// <summary>
    /// features: [count, d] → [min(size, count), d]: a seeded uniform sample without replacement (a partial
    /// Fisher–Yates shuffle), kept in the windows' original order.
    /// </summary>
    public static float[] Reservoir(float[] features, int count, int d, int size, int seed)
    {
        int keep = Math.Clamp(size, 0, count);
        int[] order = [.. Enumerable.Range(0, count)];
        var random = new Random(seed);
        for (int i = 0; i < keep; i++)
        {
            int j = random.Next(i, count);
            (order[i], order[j]) = (order[j], order[i]);
        }
        int[] kept = [.. order.Take(keep).Order()];
        return Rows(kept, features, d);
    }

    static float[] Rows(int[] rows, float[] features, int d)
    {
        var result = new float[rows.Length * d];
        for (int i = 0; i < rows.Length; i++) features.AsSpan(rows[i] * d, d).CopyTo(result.AsSpan(i * d));
        return result;
    }

    /// <summary>The threshold (the 1 − budget quantile of the held-back normal windows' scores) and the reference statistics.</summary>
    static (float Threshold, ReferenceStatistics Reference) Calibrate(AnomalyModel provisional, float[] features, int d, int[] held, double falseAlarmBudget)
    {
        float[] zHeld = Rows(provisional, features, d, held);
        float[] heldScores = provisional.ScoreNormalized(zHeld, held.Length);
        float threshold = Quantiles.Of(heldScores, 1 - falseAlarmBudget);
        return (threshold, ReferenceStatistics.Measure(zHeld, held.Length, heldScores, threshold));
    }

    /// <summary>The model <paramref name="create"/> makes, named by the hash of its own base file.</summary>
    static AnomalyModel Hashed(Func<string, AnomalyModel> create) =>
        create(ModelFile.Hash(ModelFile.Serialize(AnomalyModelDocuments.Base(create("")))));

    /// <summary>A deterministic split of 0..count−1 into fitting and held-back positions (every k-th held back).</summary>
    public static (int[] Fit, int[] Held) Split(int count, double holdOut, int seed)
    {
        int every = Math.Max(2, (int)Math.Round(1 / Math.Clamp(holdOut, 0.01, 0.5)));
        int offset = Math.Abs(seed) % every;
        var fit = new List<int>();
        var held = new List<int>();
        for (int i = 0; i < count; i++) (i % every == offset ? held : fit).Add(i);
        return ([.. fit], [.. held]);
    }

    internal static float[] Rows(AnomalyModel model, float[] features, int d, int[] rows)
    {
        var z = new float[rows.Length * d];
        for (int i = 0; i < rows.Length; i++) model.Normalize(features.AsSpan(rows[i] * d, d), z.AsSpan(i * d, d));
        return z;
    }

    static ReferenceStatistics Empty(int d) => new(0, 0, 0, 0, 0, new float[d], 0, 0);
}
