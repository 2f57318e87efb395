using System.Runtime.CompilerServices;
namespace SensorOdl.Learning.Training;

/// <summary>What a network is trained to do: pick a class or reconstruct its input.</summary>
public enum Objective
{
    Classification,
    Reconstruction,
}

/// <summary>
/// Training or test samples. inputs: [count, inputSize]; labels: [count] for classification;
/// ids: [count], never reused for different data (the forward cache is keyed by them); targetRows: [count], the
/// row of inputs a reconstruction is trained to give back when it is not the sample's own (a denoising fit: a lifted
/// copy's target is the clean window it was made from, in the same set — referred to, not copied).
/// </summary>
public sealed class SampleSet
{
    public SampleSet(int inputSize, float[] inputs, int[]? labels = null, long[]? ids = null, int[]? targetRows = null)
    {
        if (inputSize <= 0 || inputs.Length % inputSize != 0)
            throw new ArgumentException($"{inputs.Length} input values are not a whole number of {inputSize}-value samples.");
        InputSize = inputSize;
        Inputs = inputs;
        Count = inputs.Length / inputSize;
        if (labels is not null && labels.Length != Count) throw new ArgumentException($"{labels.Length} labels for {Count} samples.");
        Labels = labels;
        Ids = ids ?? [.. Enumerable.Range(0, Count).Select(i => (long)i)];
        if (Ids.Length != Count) throw new ArgumentException($"{Ids.Length} ids for {Count} samples.");
        if (targetRows is not null && targetRows.Length != Count) throw new ArgumentException($"{targetRows.Length} target rows for {Count} samples.");
        if (targetRows is not null && targetRows.Any(r => (uint)r >= (uint)Count)) throw new ArgumentException($"A target row outside the set's {Count} samples.");
        TargetRows = targetRows;
    }

    public int InputSize { get; }
    public int Count { get; }
    public float[] Inputs { get; }
    public int[]? Labels { get; }
    public long[] Ids { get; }
    /// <summary>[count]: the row whose input each sample's reconstruction is trained to give back; null: its own.</summary>
    public int[]? TargetRows { get; }

    public ReadOnlySpan<float> Input(int index) => Inputs.AsSpan(index * InputSize, InputSize);

    public int[] RequireLabels() =>
        Labels ?? throw new InvalidOperationException("Classification needs labelled samples.");

    /// <summary>Copies the samples at the given positions into x: [positions.Length, InputSize] and their labels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Gather(ReadOnlySpan<int> positions, Span<float> x, Span<int> labels)
    {
        for (int i = 0; i < positions.Length; i++)
        {
            Input(positions[i]).CopyTo(x.Slice(i * InputSize, InputSize));
            if (Labels is not null) labels[i] = Labels[positions[i]];
        }
    }

    /// <summary>
    /// The reconstruction targets of the samples at the given positions, whose inputs <paramref name="x"/> were gathered:
    /// x itself without <see cref="TargetRows"/>, else the inputs of those rows copied into <paramref name="buffer"/>: [positions.Length, InputSize].
    /// </summary>
    public ReadOnlySpan<float> ReconstructionTargets(ReadOnlySpan<int> positions, ReadOnlySpan<float> x, Span<float> buffer)
    {
        if (TargetRows is null) return x;
        for (int i = 0; i < positions.Length; i++)
            Input(TargetRows[positions[i]]).CopyTo(buffer.Slice(i * InputSize, InputSize));
        return buffer[..(positions.Length * InputSize)];
    }

    /// <summary>The samples at these positions; with <see cref="TargetRows"/>, each one's target row must be among them.</summary>
    public SampleSet Subset(IReadOnlyList<int> positions)
    {
        var inputs = new float[positions.Count * InputSize];
        var labels = Labels is null ? null : new int[positions.Count];
        var ids = new long[positions.Count];
        for (int i = 0; i < positions.Count; i++)
        {
            Input(positions[i]).CopyTo(inputs.AsSpan(i * InputSize));
            if (labels is not null) labels[i] = Labels![positions[i]];
            ids[i] = Ids[positions[i]];
        }
        return new SampleSet(InputSize, inputs, labels, ids, TargetRows is null ? null : SubsetTargetRows(positions));
    }

    int[] SubsetTargetRows(IReadOnlyList<int> positions)
    {
        var newRow = new Dictionary<int, int>();
        for (int i = positions.Count - 1; i >= 0; i--) newRow[positions[i]] = i;
        return [.. positions.Select(p => newRow.TryGetValue(TargetRows![p], out int row) ? row
            : throw new ArgumentException($"Sample {p} is trained to give back row {TargetRows[p]}, which the subset leaves out."))];
    }
}
