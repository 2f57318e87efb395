using System.Globalization;
using SensorOdl.Learning.FineTuning;
using SensorOdl.Learning.Models;
using SensorOdl.Learning.Networks;

namespace SensorOdl.Learning.Anomaly;

/// <summary>
/// Anomaly models as model files: the base file holds the network and its head (autoencoder, or classifier with
/// its classes), normaliser, threshold, reference, exemplars and feature configuration; a later version's adapter
/// file holds its adapters, threshold, reference and normaliser (since 2026-11-30; older ones use the base's) and
/// names the base by hash.
/// </summary>
public static class AnomalyModelDocuments
{
    const string Threshold = "threshold", FeatureConfig = "featureConfig", Kind = "model", Classes = "classes", NormalClass = "normalClass",
        ProbeRecall = "probeRecall", NormMean = "norm.mean", NormStd = "norm.std", ReservoirTensor = "reservoir", AnomalyFormat = "anomalyFormat",
        ScoreShare = "scoreShare";

    /// <summary>
    /// The version of the anomaly sections inside a model file (the container's own version is
    /// <see cref="ModelFile.FormatVersion"/>): 2 adds the optional <c>reservoir</c> tensor to base files; 3 the
    /// <c>scoreShare</c> of an autoencoder scored on its largest errors (<see cref="ReconstructionScore"/>), which an
    /// older build must refuse rather than score by the plain mean against a threshold calibrated on the share. A file
    /// without the key is version 1 (no reservoir: its versions adapt without rehearsal); a later version is refused.
    /// </summary>
    public const int FormatVersion = 3;

    public static ModelDocument Base(AnomalyModel model, IReadOnlyDictionary<string, string>? extraMetadata = null, IEnumerable<NamedTensor>? extraTensors = null)
    {
        var metadata = new Dictionary<string, string>(extraMetadata ?? new Dictionary<string, string>())
        {
            [Kind] = model.Head.Kind,
            [FeatureConfig] = model.FeatureConfig,
            [Threshold] = model.Threshold.ToString("R", CultureInfo.InvariantCulture),
        };
        // A base is written with the lowest format that holds it: an older base read and written again keeps its
        // bytes, and so its hash, which its adapter files name.
        if (model.ScoreShare != 1)
        {
            metadata[AnomalyFormat] = "3";
            metadata[ScoreShare] = model.ScoreShare.ToString("R", CultureInfo.InvariantCulture);
        }
        else if (model.ReservoirCount > 0) metadata[AnomalyFormat] = "2";
        if (model.Head.IsClassifier)
        {
            metadata[Classes] = string.Join('\n', model.Head.Classes);
            metadata[NormalClass] = model.Head.NormalClass.ToString(CultureInfo.InvariantCulture);
        }
        Add(metadata, model.Reference);
        if (model.ProbeReference is double probes) metadata[ProbeRecall] = probes.ToString("R", CultureInfo.InvariantCulture);
        return ModelDocument.FromNetwork(model.Base, metadata,
        [
            new NamedTensor(NormMean, [model.Mean.Length], model.Mean),
            new NamedTensor(NormStd, [model.Std.Length], model.Std),
            new NamedTensor("ref.centroid", [model.Reference.Centroid.Length], model.Reference.Centroid),
            new NamedTensor("exemplars", [model.ExemplarCount, model.InputSize], model.Exemplars),
            new NamedTensor("exemplars.labels", [model.ExemplarLabels.Length], [.. model.ExemplarLabels.Select(l => (float)l)]),
            .. model.ReservoirCount > 0 ? [new NamedTensor(ReservoirTensor, [model.ReservoirCount, model.InputSize], model.Reservoir)] : Array.Empty<NamedTensor>(),
            .. extraTensors ?? [],
        ]);
    }

    public static ModelDocument Version(AnomalyModel model, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        if (model.Adapted is null) throw new ArgumentException("A base-only version is stored as its base file.");
        var metadata = new Dictionary<string, string>(extraMetadata ?? new Dictionary<string, string>())
        {
            [Threshold] = model.Threshold.ToString("R", CultureInfo.InvariantCulture),
        };
        Add(metadata, model.Reference);
        ModelDocument document = ModelDocument.FromAdapters(model.Adapted.Export(), model.BaseHash, metadata);
        return document with
        {
            Tensors =
            [
                .. document.Tensors,
                new NamedTensor("ref.centroid", [model.Reference.Centroid.Length], model.Reference.Centroid),
                new NamedTensor(NormMean, [model.Mean.Length], model.Mean),
                new NamedTensor(NormStd, [model.Std.Length], model.Std),
            ],
        };
    }

    /// <summary>The base model of a base file.</summary>
    public static AnomalyModel ReadBase(ModelDocument document, string hash)
    {
        if (document.Metadata.ContainsKey(AnomalyFormat) && Float(document, AnomalyFormat) > FormatVersion)
            throw new ModelFormatException($"the anomaly model has format {document.Metadata[AnomalyFormat]}; this build reads up to {FormatVersion}.");
        ModelHead head = document.Metadata.GetValueOrDefault(Kind) switch
        {
            ModelHead.AutoencoderKind => ModelHead.Autoencoder,
            ModelHead.ClassifierKind => ModelHead.Classifier(document.Metadata.GetValueOrDefault(Classes, "").Split('\n'), (int)Float(document, NormalClass)),
            _ => throw new ModelFormatException("the file is not an anomaly model (no autoencoder or classifier metadata)."),
        };
        Network network = document.ToNetwork();
        float[] mean = Required(document, NormMean).Values, std = Required(document, NormStd).Values;
        int[]? labels = document.Find("exemplars.labels")?.Values.Select(v => (int)v).ToArray();
        return new AnomalyModel(network, hash, mean, std, document.Metadata.GetValueOrDefault(FeatureConfig, ""),
            Float(document, Threshold), ReadReference(document), exemplars: document.Find("exemplars")?.Values, head: head,
            exemplarLabels: head.IsClassifier ? labels : null,
            probeReference: document.Metadata.ContainsKey(ProbeRecall) ? Double(document, ProbeRecall) : null, // files before probes have none
            reservoir: document.Find(ReservoirTensor) is { } reservoir ? Whole(reservoir, network.InputSize) : null, // nor before format 2 a reservoir
            scoreShare: document.Metadata.ContainsKey(ScoreShare) ? ReadShare(document) : 1); // before format 3, the plain mean
    }

    /// <summary>A version: its base plus the adapters, threshold and reference of an adapter file.</summary>
    public static AnomalyModel ReadVersion(AnomalyModel baseModel, ModelDocument adapters, FineTuneOptions options)
    {
        if (adapters.Metadata.GetValueOrDefault(ModelDocument.BaseHashKey) != baseModel.BaseHash)
            throw new ModelFormatException("the adapters belong to another base model.");
        FineTuner tuner = FineTuneMethods.Restore(baseModel.Base, adapters.ToAdapters(),
            options with { BaseHash = baseModel.BaseHash, Training = options.Training with { Objective = baseModel.Head.Objective } });
        // A version fitted to its new normal's own centre and spread carries its normaliser; versions written before
        // renormalisation read their inputs through the base's.
        AnomalyModel normalised = adapters.Find(NormMean) is { } mean && adapters.Find(NormStd) is { } std
            ? baseModel.WithNormaliser(Fits(mean, baseModel.InputSize), Fits(std, baseModel.InputSize))
            : baseModel;
        return normalised.WithAdapters(tuner, Float(adapters, Threshold), ReadReference(adapters));
    }

    static void Add(Dictionary<string, string> metadata, ReferenceStatistics r)
    {
        string F(float v) => v.ToString("R", CultureInfo.InvariantCulture);
        metadata["ref.samples"] = r.Samples.ToString(CultureInfo.InvariantCulture);
        metadata["ref.scoreMean"] = F(r.ScoreMean);
        metadata["ref.scoreStd"] = F(r.ScoreStd);
        metadata["ref.scoreMedian"] = F(r.ScoreMedian);
        metadata["ref.exceedance"] = F(r.Exceedance);
        if (float.IsFinite(r.ScoreHigh)) metadata["ref.scoreHigh"] = F(r.ScoreHigh);
        metadata["ref.distanceMean"] = F(r.DistanceMean);
        metadata["ref.distanceStd"] = F(r.DistanceStd);
    }

    static ReferenceStatistics ReadReference(ModelDocument d) => new(
        (int)Float(d, "ref.samples"), Float(d, "ref.scoreMean"), Float(d, "ref.scoreStd"), Float(d, "ref.scoreMedian"),
        Float(d, "ref.exceedance"), Required(d, "ref.centroid").Values, Float(d, "ref.distanceMean"), Float(d, "ref.distanceStd"))
    {
        // Kept since issue 9's session 9; a version written before has none, and its drift is declared by the flags alone.
        ScoreHigh = d.Metadata.ContainsKey("ref.scoreHigh") ? Float(d, "ref.scoreHigh") : float.NaN,
    };

    static double ReadShare(ModelDocument d) =>
        Double(d, ScoreShare) is var share && share > 0 && share <= 1 ? share : throw new ModelFormatException($"metadata {ScoreShare} must be in (0, 1].");

    static float[] Fits(NamedTensor tensor, int size) =>
        tensor.Values.Length == size ? tensor.Values : throw new ModelFormatException($"tensor {tensor.Name} has {tensor.Values.Length} values, expected {size}.");

    static float[] Whole(NamedTensor tensor, int size) =>
        tensor.Shape is [_, int width] && width == size ? tensor.Values : throw new ModelFormatException($"tensor {tensor.Name} is not [rows, {size}].");

    static NamedTensor Required(ModelDocument d, string name) => d.Find(name) ?? throw new ModelFormatException($"tensor {name} is missing.");

    // Written as a double's round-trip text: read back as a float it would be written again with other digits, and the
    // base file's bytes, so its hash, would change (an imported or deployed base could not be stored again).
    static double Double(ModelDocument d, string key) =>
        d.Metadata.TryGetValue(key, out string? text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value : throw new ModelFormatException($"metadata {key} is missing or not a number.");

    static float Float(ModelDocument d, string key) =>
        d.Metadata.TryGetValue(key, out string? text) && float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value)
            ? value : throw new ModelFormatException($"metadata {key} is missing or not a number.");
}
