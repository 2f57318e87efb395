namespace SensorOdl.Learning.FineTuning;

/// <summary>A named tensor of an adapter set.</summary>
public sealed record NamedTensor(string Name, int[] Shape, float[] Values);

/// <summary>
/// What a fine-tune produced on top of a frozen base: the method, its rank and its tensors.
/// Stored beside (never inside) the base, so every version shares one base and one forward cache.
/// </summary>
public sealed record AdapterSet(string Method, int Rank, IReadOnlyList<NamedTensor> Tensors)
{
    public NamedTensor Get(string name) =>
        Tensors.FirstOrDefault(t => t.Name == name) ?? throw new Models.ModelFormatException($"adapter set lacks tensor '{name}'.");

    public long ParameterCount => Tensors.Sum(t => (long)t.Values.Length);
}
