using SensorOdl.Learning.Layers;
using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Tensors;
using SensorOdl.Learning.Training;

namespace SensorOdl.Learning.FineTuning;

/// <summary>
/// LoRA on a chosen set of layers: W = W₀ + B A with A: [r, fanIn], B: [fanOut, r], B = 0 at start.
/// The sum is merged into the layer before each forward pass, so the network runs its ordinary
/// kernels; the full weight gradient dW then gives dB = dW Aᵀ and dA = Bᵀ dW.
/// Training back-propagates from the output down to the lowest adapted layer.
/// </summary>
public abstract class MergedLora : FineTuner
{
    readonly Network _network;
    readonly AdaptedLayer[] _adapted;
    readonly int _lowestLayer;
    readonly HashSet<int> _adaptedLayers;
    BatchForward? _forward;
    Network.Activations? _predictActivations;

    protected MergedLora(Network baseNetwork, FineTuneOptions options, IEnumerable<int> weightedOrdinals) : base(baseNetwork, options)
    {
        _network = baseNetwork.Clone();
        var random = new Random(options.Training.Seed);
        _adapted = [.. weightedOrdinals.Select(ordinal => new AdaptedLayer(_network, ordinal, options.Rank, random))];
        _adaptedLayers = [.. _adapted.Select(a => a.LayerIndex)];
        _lowestLayer = _adaptedLayers.Min();
    }

    public override IReadOnlyList<Parameter> Trainable => [.. _adapted.SelectMany(a => new[] { a.Down, a.Up })];
    public override long BaseForwardSamples => _network.ForwardSamples;

    protected override void BeginFit(SampleSet data, int batchSize)
    {
        _forward = new BatchForward(_network, batchSize);
        AfterStep();
    }

    protected override float TrainBatch(SampleSet data, ReadOnlySpan<int> positions)
    {
        float loss = _forward!.Run(data, positions, Options.Training.Objective);
        foreach (AdaptedLayer a in _adapted) a.Layer.Weight.ZeroGradient();
        _network.Backward(_forward.Activations, positions.Length, _adaptedLayers.Contains, _lowestLayer);
        foreach (AdaptedLayer a in _adapted) a.ProjectGradient();
        return loss;
    }

    protected override void AfterStep()
    {
        foreach (AdaptedLayer a in _adapted) a.Merge();
    }

    public override void Predict(ReadOnlySpan<float> x, Span<float> y, int batch) =>
        Predictions.Run(_network, _predictActivations ??= _network.CreateActivations(64), x, y, batch);

    sealed class AdaptedLayer
    {
        readonly float[] _baseWeight;

        public AdaptedLayer(Network network, int ordinal, int rank, Random random)
        {
            LayerIndex = network.WeightedLayers[ordinal];
            Layer = network.Weighted(ordinal);
            _baseWeight = (float[])Layer.Weight.Value.Clone();
            Down = new Parameter($"lora.{ordinal}.A", [rank, Layer.FanIn]);
            Up = new Parameter($"lora.{ordinal}.B", [Layer.FanOut, rank]);
            InitializeDown(Down, Layer.FanIn, random);
        }

        public int LayerIndex { get; }
        public IWeightedLayer Layer { get; }
        /// <summary>A: [r, fanIn]</summary>
        public Parameter Down { get; }
        /// <summary>B: [fanOut, r]</summary>
        public Parameter Up { get; }
        int Rank => Down.Shape[0];

        /// <summary>W: [fanOut, fanIn] = W₀ + B: [fanOut, r] · A: [r, fanIn]</summary>
        public void Merge()
        {
            Gemm.Multiply(Up.Value, Down.Value, Layer.Weight.Value, Layer.FanOut, Rank, Layer.FanIn);
            System.Numerics.Tensors.TensorPrimitives.Add(Layer.Weight.Value, _baseWeight, Layer.Weight.Value);
        }

        /// <summary>dB: [fanOut, r] = dW · Aᵀ;  dA: [r, fanIn] = Bᵀ · dW</summary>
        public void ProjectGradient()
        {
            float[] dW = Layer.Weight.Gradient;
            Gemm.MultiplyTransposedB(dW, Down.Value, Up.Gradient, Layer.FanOut, Layer.FanIn, Rank, accumulate: true);
            Gemm.MultiplyTransposedA(Up.Value, dW, Down.Gradient, Rank, Layer.FanOut, Layer.FanIn, accumulate: true);
        }
    }
}

/// <summary>LoRA-Last: one adapter on the last layer.</summary>
public sealed class LoraLast(Network baseNetwork, FineTuneOptions options)
    : MergedLora(baseNetwork, options, [baseNetwork.WeightedLayers.Count - 1])
{
    public override string Name => "lora-last";
}

/// <summary>LoRA-All: an adapter on every weighted layer, trained by full back-propagation.</summary>
public sealed class LoraAll(Network baseNetwork, FineTuneOptions options)
    : MergedLora(baseNetwork, options, Enumerable.Range(0, baseNetwork.WeightedLayers.Count))
{
    public override string Name => "lora-all";
}
