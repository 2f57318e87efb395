using SensorOdl.Learning.Layers;
using SensorOdl.Learning.Tensors;

namespace SensorOdl.Learning.Networks;

/// <summary>A feed-forward stack of layers. x: [batch, InputSize] → y: [batch, OutputSize].</summary>
public sealed class Network
{
    long _forwardSamples;
    /// <summary>[i]: layer i applies layer i + 1 (a ReLU) in its own output pass; their outputs share one array.</summary>
    readonly bool[] _reluFused;

    public Network(IReadOnlyList<Layer> layers)
    {
        if (layers.Count == 0) throw new ArgumentException("A network needs at least one layer.");
        for (int i = 1; i < layers.Count; i++)
            if (layers[i].InputSize != layers[i - 1].OutputSize)
                throw new ArgumentException($"Layer {i} ({layers[i].Spec.Type}) takes {layers[i].InputSize} values but layer {i - 1} gives {layers[i - 1].OutputSize}.");
        Layers = layers;
        _reluFused = [.. Enumerable.Range(0, layers.Count).Select(i => i + 1 < layers.Count && layers[i].FusesRelu && layers[i + 1] is Relu)];
        WeightedLayers = [.. Enumerable.Range(0, layers.Count).Where(i => layers[i] is IWeightedLayer)];
    }

    public IReadOnlyList<Layer> Layers { get; }
    /// <summary>Indices into <see cref="Layers"/> of the layers that carry a weight matrix, bottom to top.</summary>
    public IReadOnlyList<int> WeightedLayers { get; }
    public int InputSize => Layers[0].InputSize;
    public int OutputSize => Layers[^1].OutputSize;
    public IEnumerable<Parameter> Parameters => Layers.SelectMany(l => l.Parameters);
    public long ParameterCount => Parameters.Sum(p => (long)p.Size);
    public IReadOnlyList<LayerSpec> Spec => [.. Layers.Select(l => l.Spec)];

    /// <summary>Samples pushed through the whole network since creation: the proof that a cache skipped the base.</summary>
    public long ForwardSamples => Interlocked.Read(ref _forwardSamples);

    public IWeightedLayer Weighted(int ordinal) => (IWeightedLayer)Layers[WeightedLayers[ordinal]];

    public static Network FromSpec(IEnumerable<LayerSpec> spec) => new([.. spec.Select(s => s.Create())]);

    public Network Clone()
    {
        var copy = FromSpec(Spec);
        copy.Threads = Threads;
        CopyParametersTo(copy);
        return copy;
    }

    public void CopyParametersTo(Network other)
    {
        using var source = Parameters.GetEnumerator();
        foreach (Parameter target in other.Parameters)
        {
            source.MoveNext();
            source.Current.Value.CopyTo(target.Value, 0);
        }
    }

    public Activations CreateActivations(int maxBatch) => new(this, maxBatch);

    /// <summary>
    /// Threads a forward pass may use (the Learning:Threads setting; default 1): the batch is split into that many
    /// row ranges, each run through every layer on its own thread (a sample's result does not depend on the split).
    /// Backward passes stay on the calling thread.
    /// </summary>
    public int Threads
    {
        get => _threads;
        set => _threads = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), "Threads must be at least 1.");
    }
    int _threads = 1;

    /// <summary>x: [batch, InputSize] → activations.Output: [batch, OutputSize]; every layer's input is kept.</summary>
    public void Forward(ReadOnlySpan<float> x, Activations activations, int batch)
    {
        activations.CheckBatch(batch);
        x[..(batch * InputSize)].CopyTo(activations.Values[0]);
        int parts = Math.Min(_threads, batch);
        if (parts <= 1) ForwardRows(activations, 0, batch);
        else
            Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
            {
                int first = (int)((long)batch * part / parts), end = (int)((long)batch * (part + 1) / parts);
                ForwardRows(activations, first, end - first);
            });
        Interlocked.Add(ref _forwardSamples, batch);
    }

    void ForwardRows(Activations activations, int first, int count)
    {
        for (int i = 0; i < Layers.Count; i++)
        {
            int inputs = Layers[i].InputSize, outputs = Layers[i].OutputSize;
            ReadOnlySpan<float> x = activations.Values[i].AsSpan(first * inputs, count * inputs);
            Span<float> y = activations.Values[i + 1].AsSpan(first * outputs, count * outputs);
            if (_reluFused[i])
            {
                Layers[i].ForwardRelu(x, y, count); // y is also the ReLU's output (one array): skip the ReLU
                i++;
            }
            else Layers[i].Forward(x, y, count);
        }
    }

    /// <summary>
    /// Back-propagates activations.Gradients[^1] (dLoss/dOutput: [batch, OutputSize]) down to layer
    /// <paramref name="lowestLayer"/>; parameter gradients only for layers the predicate selects.
    /// </summary>
    public void Backward(Activations activations, int batch, Func<int, bool> computeParameterGradients, int lowestLayer = 0)
    {
        for (int i = Layers.Count - 1; i >= lowestLayer; i--)
        {
            Span<float> dx = i > lowestLayer ? activations.Gradients[i] : [];
            Layers[i].Backward(activations.Values[i], activations.Values[i + 1], activations.Gradients[i + 1], dx, batch,
                computeParameterGradients(i));
        }
    }

    public void ZeroGradients()
    {
        foreach (Parameter p in Parameters) p.ZeroGradient();
    }

    /// <summary>
    /// Every layer boundary's values and gradients for up to MaxBatch samples. Values[i] is the input of layer i, except
    /// that a convolution or dense layer followed by a ReLU writes the ReLU's output straight away: its output and the
    /// ReLU's are one array (no backward pass reads the value before the ReLU; ReLU's own backward reads its output).
    /// </summary>
    public sealed class Activations
    {
        internal Activations(Network network, int maxBatch)
        {
            MaxBatch = maxBatch;
            int count = network.Layers.Count + 1;
            Values = new float[count][];
            Gradients = new float[count][];
            for (int i = 0; i < count; i++)
            {
                int size = i == 0 ? network.InputSize : network.Layers[i - 1].OutputSize;
                Values[i] = i >= 2 && network._reluFused[i - 2] ? Values[i - 1] : new float[maxBatch * size];
                Gradients[i] = i == 0 ? [] : new float[maxBatch * size];
            }
        }

        public int MaxBatch { get; }
        public float[][] Values { get; }
        public float[][] Gradients { get; }
        public float[] Output => Values[^1];
        public float[] OutputGradient => Gradients[^1];

        internal void CheckBatch(int batch)
        {
            if (batch < 1 || batch > MaxBatch) throw new ArgumentOutOfRangeException(nameof(batch), $"batch {batch} outside 1..{MaxBatch}");
        }
    }
}
