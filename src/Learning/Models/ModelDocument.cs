using SensorOdl.Learning.FineTuning;
using SensorOdl.Learning.Layers;
using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Tensors;

namespace SensorOdl.Learning.Models;

public enum ModelKind : byte
{
    /// <summary>A base network: its architecture and every weight.</summary>
    Base = 1,
    /// <summary>An adapter set for a base named by its hash.</summary>
    Adapters = 2,
}

/// <summary>
/// The contents of a model file: architecture (bases only), named tensors and string metadata
/// (normalisation, thresholds, the base hash an adapter set belongs to…).
/// </summary>
public sealed record ModelDocument(
    ModelKind Kind,
    IReadOnlyList<LayerSpec> Layers,
    IReadOnlyList<NamedTensor> Tensors,
    IReadOnlyDictionary<string, string> Metadata)
{
    public const string BaseHashKey = "baseHash";
    public const string MethodKey = "method";
    public const string RankKey = "rank";

    public NamedTensor? Find(string name) => Tensors.FirstOrDefault(t => t.Name == name);

    public static ModelDocument FromNetwork(Network network, IReadOnlyDictionary<string, string>? metadata = null, IEnumerable<NamedTensor>? extra = null)
    {
        var tensors = new List<NamedTensor>();
        for (int i = 0; i < network.Layers.Count; i++)
            foreach (Parameter p in network.Layers[i].Parameters)
                tensors.Add(new NamedTensor($"layer{i}.{p.Name}", p.Shape, (float[])p.Value.Clone()));
        tensors.AddRange(extra ?? []);
        return new ModelDocument(ModelKind.Base, network.Spec, tensors, metadata ?? new Dictionary<string, string>());
    }

    public Network ToNetwork()
    {
        if (Kind != ModelKind.Base) throw new ModelFormatException("this file holds adapters, not a base model.");
        CheckWeightsFit();
        Network network;
        try { network = Network.FromSpec(Layers); }
        catch (Exception e) when (e is ArgumentException or OverflowException) { throw new ModelFormatException($"the architecture does not fit together ({e.Message})"); }
        for (int i = 0; i < network.Layers.Count; i++)
            foreach (Parameter p in network.Layers[i].Parameters)
            {
                NamedTensor tensor = Find($"layer{i}.{p.Name}") ?? throw new ModelFormatException($"tensor layer{i}.{p.Name} is missing.");
                if (tensor.Values.Length != p.Size) throw new ModelFormatException($"tensor layer{i}.{p.Name} has {tensor.Values.Length} values, the layer needs {p.Size}.");
                tensor.Values.CopyTo(p.Value, 0);
            }
        return network;
    }

    /// <summary>
    /// A layer's weights must be the tensor the file holds for it, before anything is allocated for the layer: a damaged or
    /// hostile header (a dense layer of 10⁹ × 10⁹) is refused, not attempted.
    /// </summary>
    void CheckWeightsFit()
    {
        for (int i = 0; i < Layers.Count; i++)
        {
            LayerSpec l = Layers[i];
            if (new[] { l.In, l.Out, l.Channels, l.Height, l.Width, l.Kernel, l.Padding, l.Size }.Any(v => v is < 0 or > 1 << 24))
                throw new ModelFormatException($"layer {i} ({l.Type}) has a size out of range.");
            long weights = l.Type switch
            {
                "dense" => (long)l.In * l.Out,
                "conv2d" => (long)l.Out * l.Channels * l.Kernel * l.Kernel,
                _ => -1,
            };
            if (weights >= 0 && Find($"layer{i}.weight")?.Values.Length != weights)
                throw new ModelFormatException($"tensor layer{i}.weight does not match layer {i} ({l.Type}).");
            if (l.Type == "conv2d" && (long)l.Channels * l.Kernel * l.Kernel * (l.Height + 2L * l.Padding) * (l.Width + 2L * l.Padding) > 1L << 28)
                throw new ModelFormatException($"layer {i} (conv2d) is too large.");
        }
    }

    public static ModelDocument FromAdapters(AdapterSet adapters, string baseHash, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>())
        {
            [BaseHashKey] = baseHash,
            [MethodKey] = adapters.Method,
            [RankKey] = adapters.Rank.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return new ModelDocument(ModelKind.Adapters, [], adapters.Tensors, meta);
    }

    public AdapterSet ToAdapters()
    {
        if (Kind != ModelKind.Adapters) throw new ModelFormatException("this file holds a base model, not adapters.");
        if (!Metadata.TryGetValue(MethodKey, out string? method) || !Metadata.TryGetValue(RankKey, out string? rank) || !int.TryParse(rank, out int r))
            throw new ModelFormatException("adapter file lacks its method or rank.");
        return new AdapterSet(method, r, Tensors);
    }
}
