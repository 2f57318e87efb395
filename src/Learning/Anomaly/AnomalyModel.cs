using SensorOdl.Learning.FineTuning;
using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Training;

namespace SensorOdl.Learning.Anomaly;

/// <summary>
/// What the network's output means. An autoencoder reconstructs its input and scores the mean squared error;
/// a classifier names a class (normal or a labelled fault type) and scores 1 − P(normal).
/// </summary>
public sealed record ModelHead(string Kind, string[] Classes, int NormalClass)
{
    public const string AutoencoderKind = "autoencoder", ClassifierKind = "classifier";
    public static readonly ModelHead Autoencoder = new(AutoencoderKind, [], -1);

    public bool IsClassifier => Kind == ClassifierKind;
    public Objective Objective => IsClassifier ? Objective.Classification : Objective.Reconstruction;

    public static ModelHead Classifier(string[] classes, int normalClass) =>
        (uint)normalClass < (uint)classes.Length && classes.Length >= 2
            ? new(ClassifierKind, classes, normalClass)
            : throw new ArgumentException("A classifier head needs at least two classes, one of them normal.");
}

/// <summary>
/// An anomaly detector over window features: features are normalised with the base's statistics and run
/// through the frozen base (plus adapters, when this version has them). The default head is an autoencoder
/// scored by the mean of the largest share of its squared reconstruction errors (<see cref="ReconstructionScore"/>);
/// a classifier head scores 1 − P(normal). A window is anomalous above the calibrated threshold. Not thread-safe: one
/// scorer per thread.
/// </summary>
public sealed class AnomalyModel
{
    const int Chunk = 64;
    readonly float[] _z, _output;
    float[] _zChunk = []; // ScoreMany's normalised rows, one chunk at a time
    readonly Network.Activations _activations;
    readonly ReconstructionScore _reconstruction;

    public AnomalyModel(Network baseNetwork, string baseHash, float[] mean, float[] std, string featureConfig,
        float threshold, ReferenceStatistics reference, FineTuner? adapted = null, float[]? exemplars = null,
        ModelHead? head = null, int[]? exemplarLabels = null, double? probeReference = null, AnomalyModel? sameBaseAs = null,
        float[]? reservoir = null, double scoreShare = 1)
    {
        BaseStd = sameBaseAs?.BaseStd ?? std;
        Head = head ?? ModelHead.Autoencoder;
        ProbeReference = probeReference;
        int outputs = Head.IsClassifier ? Head.Classes.Length : baseNetwork.InputSize;
        if (mean.Length != baseNetwork.InputSize || std.Length != baseNetwork.InputSize || baseNetwork.OutputSize != outputs)
            throw new ArgumentException($"The network's {baseNetwork.OutputSize} outputs do not fit a {Head.Kind} head, or the normaliser does not fit its inputs.");
        Base = baseNetwork;
        BaseHash = baseHash;
        Mean = mean;
        Std = std;
        FeatureConfig = featureConfig;
        Threshold = threshold;
        Reference = reference;
        Adapted = adapted;
        Exemplars = exemplars ?? [];
        if (Exemplars.Length % InputSize != 0) throw new ArgumentException("Exemplars must be whole feature vectors.");
        ExemplarLabels = exemplarLabels ?? [];
        Reservoir = sameBaseAs?.Reservoir ?? reservoir ?? [];
        if (Reservoir.Length % InputSize != 0) throw new ArgumentException("The reservoir must hold whole feature vectors.");
        if (Head.IsClassifier && ExemplarLabels.Length != ExemplarCount) throw new ArgumentException("A classifier's exemplars need one class each.");
        _z = new float[Chunk * InputSize];
        _output = new float[Chunk * outputs];
        _activations = baseNetwork.CreateActivations(Chunk);
        _reconstruction = new ReconstructionScore(InputSize, Head.IsClassifier ? 1 : sameBaseAs?.ScoreShare ?? scoreShare);
    }

    public Network Base { get; }
    public string BaseHash { get; }
    public float[] Mean { get; }
    public float[] Std { get; }
    /// <summary>The base's own spread, [d]: a version read through another normaliser is never narrower than this.</summary>
    public float[] BaseStd { get; }
    /// <summary>The feature pipeline the model was trained on, opaque here: the daemon refuses a sensor that differs.</summary>
    public string FeatureConfig { get; }
    public float Threshold { get; }
    public ReferenceStatistics Reference { get; }
    public FineTuner? Adapted { get; }
    /// <summary>[m, d] raw features of known fault windows stored with the base (train --exemplars): a candidate must still flag them.</summary>
    public float[] Exemplars { get; }
    public int ExemplarCount => Exemplars.Length / InputSize;
    /// <summary>The class of each exemplar (classifier heads only).</summary>
    public int[] ExemplarLabels { get; }
    public ModelHead Head { get; }
    /// <summary>
    /// [r, d] raw features of a seeded random sample of the base's normal training windows (empty for a base written
    /// before reservoirs existed): the old normal that adaptation can rehearse (<see cref="AdaptationOptions.Rehearsal"/>).
    /// </summary>
    public float[] Reservoir { get; }
    public int ReservoirCount => Reservoir.Length / InputSize;
    /// <summary>
    /// The share of synthetic fault probes, made from its own normal training windows, that the base flags
    /// (null for a base trained before probes existed, or on features probes cannot be made for): the recall a
    /// candidate must keep on probes made from its new normal.
    /// </summary>
    public double? ProbeReference { get; }
    /// <summary>
    /// The share of an autoencoder's squared reconstruction errors its score averages, the largest ones
    /// (<see cref="ReconstructionScore"/>); 1 for bases written before 2026-12-01 and for classifiers. A property of the
    /// base: its versions' thresholds are calibrated on the same score.
    /// </summary>
    public double ScoreShare => _reconstruction.Share;
    public string Method => Adapted?.Name ?? "base";
    public int InputSize => Base.InputSize;

    /// <summary>An equal model with its own network copy and buffers, for scoring on another thread.</summary>
    public AnomalyModel ForAnotherThread()
    {
        Network copy = Base.Clone();
        FineTuner? adapted = Adapted is null ? null : FineTuneMethods.Restore(copy, Adapted.Export(), Adapted.Options);
        return new AnomalyModel(copy, BaseHash, Mean, Std, FeatureConfig, Threshold, Reference, adapted, Exemplars, Head, ExemplarLabels, ProbeReference, this);
    }

    public AnomalyModel WithAdapters(FineTuner? adapted, float threshold, ReferenceStatistics reference) =>
        new(Base, BaseHash, Mean, Std, FeatureConfig, threshold, reference, adapted, Exemplars, Head, ExemplarLabels, ProbeReference, this);

    /// <summary>The same model reading its inputs through another normaliser (mean: [d], std: [d]).</summary>
    public AnomalyModel WithNormaliser(float[] mean, float[] std) =>
        new(Base, BaseHash, mean, std, FeatureConfig, Threshold, Reference, Adapted, Exemplars, Head, ExemplarLabels, ProbeReference, this);

    /// <summary>This base with its probe reference recorded, named by the hash of its new base file.</summary>
    public AnomalyModel WithProbeReference(double reference)
    {
        if (Adapted is not null) throw new InvalidOperationException("The probe reference belongs to a base model.");
        AnomalyModel Create(string hash) => new(Base, hash, Mean, Std, FeatureConfig, Threshold, Reference, null, Exemplars, Head, ExemplarLabels, reference,
            reservoir: Reservoir, scoreShare: ScoreShare);
        return Create(Models.ModelFile.Hash(Models.ModelFile.Serialize(AnomalyModelDocuments.Base(Create("")))));
    }

    /// <summary>features: [d] → z: [d] = (features − mean) / std, clamped to ±1e4 so one wild value cannot overflow.</summary>
    public void Normalize(ReadOnlySpan<float> features, Span<float> z)
    {
        for (int i = 0; i < InputSize; i++) z[i] = Math.Clamp((features[i] - Mean[i]) / Std[i], -1e4f, 1e4f);
    }

    /// <summary>
    /// One window's score from its raw features: the mean of the largest <see cref="ScoreShare"/> of the squared
    /// reconstruction errors of the normalised features (autoencoder head) or 1 − P(normal) (classifier head).
    /// </summary>
    public float Score(ReadOnlySpan<float> features)
    {
        Normalize(features, _z);
        return ScoreNormalized(_z.AsSpan(0, InputSize), 1)[0];
    }

    /// <summary>
    /// [count, d] raw features → one score per row, read through this model's normaliser a chunk at a time (no
    /// normalised copy of them all: an adaptation job scores a few thousand windows this way).
    /// </summary>
    public float[] ScoreMany(ReadOnlySpan<float> features, int count)
    {
        var scores = new float[count];
        if (_zChunk.Length < Math.Min(count, Chunk) * InputSize) _zChunk = new float[Math.Min(count, Chunk) * InputSize];
        for (int start = 0; start < count; start += Chunk)
        {
            int n = Math.Min(Chunk, count - start);
            for (int s = 0; s < n; s++) Normalize(features.Slice((start + s) * InputSize, InputSize), _zChunk.AsSpan(s * InputSize, InputSize));
            ScoreChunk(_zChunk.AsSpan(0, n * InputSize), n, scores.AsSpan(start, n));
        }
        return scores;
    }

    /// <summary>z: [count, d] normalised features → one score per row (see <see cref="Score"/>).</summary>
    public float[] ScoreNormalized(ReadOnlySpan<float> z, int count)
    {
        var scores = new float[count];
        for (int start = 0; start < count; start += Chunk)
        {
            int n = Math.Min(Chunk, count - start);
            ScoreChunk(z.Slice(start * InputSize, n * InputSize), n, scores.AsSpan(start, n));
        }
        return scores;
    }

    /// <summary>rows: [n ≤ Chunk, d] normalised features → scores: [n].</summary>
    void ScoreChunk(ReadOnlySpan<float> rows, int n, Span<float> scores)
    {
        if (Adapted is null) Predictions.Run(Base, _activations, rows, _output, n);
        else Adapted.Predict(rows, _output, n);
        int outputs = Base.OutputSize;
        for (int s = 0; s < n; s++)
            scores[s] = Head.IsClassifier
                ? 1f - NormalProbability(_output.AsSpan(s * outputs, outputs))
                : _reconstruction.Of(_output.AsSpan(s * InputSize, InputSize), rows.Slice(s * InputSize, InputSize));
    }

    /// <summary>logits: [classes] → softmax probability of the normal class.</summary>
    float NormalProbability(ReadOnlySpan<float> logits)
    {
        float max = System.Numerics.Tensors.TensorPrimitives.Max(logits), sum = 0;
        foreach (float l in logits) sum += MathF.Exp(l - max);
        return MathF.Exp(logits[Head.NormalClass] - max) / sum;
    }

    /// <summary>features: [count, d] raw → z: [count, d] normalised.</summary>
    public float[] NormalizeMany(ReadOnlySpan<float> features, int count)
    {
        var z = new float[count * InputSize];
        for (int s = 0; s < count; s++) Normalize(features.Slice(s * InputSize, InputSize), z.AsSpan(s * InputSize, InputSize));
        return z;
    }

    /// <summary>features: [*, d] raw → z: [rows.Length, d], the given rows normalised in that order.</summary>
    public void NormalizeRows(ReadOnlySpan<float> features, ReadOnlySpan<int> rows, Span<float> z)
    {
        for (int i = 0; i < rows.Length; i++) Normalize(features.Slice(rows[i] * InputSize, InputSize), z.Slice(i * InputSize, InputSize));
    }
}
