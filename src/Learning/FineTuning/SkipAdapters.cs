using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using SensorOdl.Learning.Caches;
using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Tensors;
using SensorOdl.Learning.Training;

namespace SensorOdl.Learning.FineTuning;

/// <summary>
/// Skip adapters: y = h_L + Σ_l B_l A_l x_l, one adapter per weighted layer l from its whole flattened
/// input x_l: [d_l] straight to the output (A_l: [r, d_l], B_l: [out, r] kept as Bᵀ, B = 0 at start). The loss
/// gradient g = dLoss/dy reaches every adapter directly, so nothing is back-propagated through the base.
/// A batch is worked from "entries": [batch, E] rows holding x_2..x_L, h_L and the label — exactly what
/// the forward cache stores — while x_1 is the sample itself.
/// </summary>
public abstract class SkipAdapters : FineTuner
{
    const int PredictChunk = 64;
    readonly SkipAdapter[] _adapters;
    readonly int[] _segmentOffsets;   // offset of x_l inside an entry, l ≥ 1
    readonly int _outputOffset;       // offset of h_L inside an entry
    Network.Activations? _activations;
    float[] _x = [], _targets = [], _entries = [], _y = [], _dy = [];
    // Every adapter's rank-r products side by side, so that the up-projections run as one product of inner length
    // L·r instead of L products of inner length r (each of which re-reads the whole [batch, out] output):
    // u, v: [batch, L·r]; the Bᵀ of every adapter stacked: [L·r, out], and their gradient.
    float[] _u = [], _v = [], _upStacked = [], _upGradient = [];
    int[] _labels = [];
    long _forwardSamples;
    // Where the batch's entries are read: _entries (filled by FillEntries), or a subclass's table of stored entries.
    float[] _entrySource = [];
    int[] _entryOffsets = [];
    int[] _rowOffsets = [];

    protected SkipAdapters(Network baseNetwork, FineTuneOptions options) : base(baseNetwork, options)
    {
        var random = new Random(options.Training.Seed);
        _adapters = [.. Enumerable.Range(0, baseNetwork.WeightedLayers.Count).Select(l => new SkipAdapter(baseNetwork, l, options.Rank, random))];
        int[] segments = [.. _adapters.Skip(1).Select(a => a.InputSize)];
        bool classifier = options.Training.Objective == Objective.Classification;
        Layout = new CacheLayout(segments, baseNetwork.OutputSize + (classifier ? 1 : 0));
        _segmentOffsets = new int[_adapters.Length];
        for (int l = 2; l < _adapters.Length; l++) _segmentOffsets[l] = _segmentOffsets[l - 1] + _adapters[l - 1].InputSize;
        _outputOffset = segments.Sum();
    }

    /// <summary>What one cached entry holds: x_2..x_L quantisable, then h_L (and the label) exact.</summary>
    public CacheLayout Layout { get; }
    public override IReadOnlyList<Parameter> Trainable => [.. _adapters.SelectMany(a => new[] { a.Down, a.Up })];
    public override long BaseForwardSamples => _forwardSamples;
    protected int EntrySize => Layout.Length;
    int StackedRank => _adapters.Length * Options.Rank;

    /// <summary>Fills entries: [batch, E] for the samples at these positions, whose x: [batch, in] and labels are gathered already.</summary>
    protected abstract void FillEntries(SampleSet data, ReadOnlySpan<int> positions, ReadOnlySpan<float> x, ReadOnlySpan<int> labels, Span<float> entries);

    /// <summary>
    /// A table holding every one of these positions' entries at position · E, to be read in place instead of copied into
    /// a batch by <see cref="FillEntries"/>; null when any is missing.
    /// </summary>
    protected virtual float[]? StoredEntries(ReadOnlySpan<int> positions) => null;

    /// <summary>x: [count, in] through the frozen base while fitting, counted; <see cref="CopyEntry"/> then reads its rows.</summary>
    protected void ForwardBase(ReadOnlySpan<float> x, int count)
    {
        Base.Forward(x, _activations!, count);
        _forwardSamples += count;
    }

    protected override void BeginFit(SampleSet data, int batchSize) => Allocate(batchSize);

    // A subclass's table of entries may be dropped after the fit: hold no reference to it.
    protected override void EndFit() => UseBatchEntries(0);

    void Allocate(int batchSize)
    {
        if (_activations is not null && _activations.MaxBatch >= batchSize) return;
        _activations = Base.CreateActivations(batchSize);
        _x = new float[batchSize * Base.InputSize];
        _targets = new float[batchSize * Base.InputSize];
        _labels = new int[batchSize];
        _entries = new float[batchSize * EntrySize];
        _y = new float[batchSize * Base.OutputSize];
        _dy = new float[batchSize * Base.OutputSize];
        _u = new float[batchSize * StackedRank];
        _v = new float[batchSize * StackedRank];
        _upStacked = new float[StackedRank * Base.OutputSize];
        _upGradient = new float[StackedRank * Base.OutputSize];
        _entryOffsets = new int[batchSize];
        _rowOffsets = new int[batchSize];
    }

    /// <summary>Fills or finds the batch's entries: afterwards <see cref="Entry"/> reads them.</summary>
    void LoadEntries(SampleSet data, ReadOnlySpan<int> positions)
    {
        int batch = positions.Length;
        if (StoredEntries(positions) is { } table)
        {
            _entrySource = table;
            for (int s = 0; s < batch; s++) _entryOffsets[s] = positions[s] * EntrySize;
            return;
        }
        FillEntries(data, positions, _x, _labels, _entries);
        UseBatchEntries(batch);
    }

    void UseBatchEntries(int batch)
    {
        _entrySource = _entries;
        for (int s = 0; s < batch; s++) _entryOffsets[s] = s * EntrySize;
    }

    ReadOnlySpan<float> Entry(int sample) => _entrySource.AsSpan(_entryOffsets[sample], EntrySize);

    /// <summary>Copies sample <paramref name="row"/> of the base's activations into entry: [E].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected void CopyEntry(int row, Span<float> entry, int label)
    {
        for (int l = 1; l < _adapters.Length; l++)
        {
            int size = _adapters[l].InputSize;
            _activations!.Values[_adapters[l].LayerIndex].AsSpan(row * size, size).CopyTo(entry.Slice(_segmentOffsets[l], size));
        }
        int outputs = Base.OutputSize;
        _activations!.Output.AsSpan(row * outputs, outputs).CopyTo(entry.Slice(_outputOffset, outputs));
        if (Layout.ExactLength > outputs) entry[_outputOffset + outputs] = label;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override float TrainBatch(SampleSet data, ReadOnlySpan<int> positions)
    {
        int batch = positions.Length, outputs = Base.OutputSize;
        data.Gather(positions, _x, _labels);
        LoadEntries(data, positions);
        Output(batch);
        ReadOnlySpan<float> target = data.ReconstructionTargets(positions, _x, _targets);
        float loss = LossFunctions.Compute(Options.Training.Objective, _y, target, _labels, _dy, batch, outputs);
        int rank = Options.Rank, stacked = StackedRank;
        // dBᵀ of every adapter: [L·r, out] = uᵀ: [L·r, batch] · dy: [batch, out]
        Gemm.MultiplyTransposedA(_u, _dy, _upGradient, stacked, batch, outputs);
        // v: [batch, L·r] = dy: [batch, out] · B: [out, L·r]  (B is kept as Bᵀ: [L·r, out])
        Gemm.MultiplyTransposedB(_dy, _upStacked, _v, batch, outputs, stacked);
        for (int l = 0; l < _adapters.Length; l++)
        {
            SkipAdapter a = _adapters[l];
            Span<float> upGradient = a.Up.Gradient;
            TensorPrimitives.Add(upGradient, _upGradient.AsSpan(l * rank * outputs, rank * outputs), upGradient);
            // dA: [r, d] += v_lᵀ: [r, batch] · x_l: [batch, d]
            float[] rows = l == 0 ? _x : _entrySource;
            for (int s = 0; s < batch; s++) _rowOffsets[s] = l == 0 ? s * Base.InputSize : _entryOffsets[s] + _segmentOffsets[l];
            AdapterGradient.AccumulateDown(a.Down.Gradient, rank, a.InputSize, _v, stacked, l * rank, rows, _rowOffsets.AsSpan(0, batch));
        }
        return loss;
    }

    /// <summary>y: [batch, out] = h_L + Σ_l (x_l A_lᵀ) B_lᵀ, keeping u = [x_l A_lᵀ]_l: [batch, L·r] for the backward pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void Output(int batch)
    {
        int outputs = Base.OutputSize, rank = Options.Rank, stacked = StackedRank;
        for (int l = 0; l < _adapters.Length; l++) _adapters[l].Up.Value.CopyTo(_upStacked, l * rank * outputs);
        for (int s = 0; s < batch; s++)
            Entry(s).Slice(_outputOffset, outputs).CopyTo(_y.AsSpan(s * outputs, outputs));
        for (int l = 0; l < _adapters.Length; l++)
        {
            SkipAdapter a = _adapters[l];
            for (int s = 0; s < batch; s++)
            {
                ReadOnlySpan<float> input = AdapterInput(l, s);
                for (int k = 0; k < rank; k++)
                    _u[s * stacked + l * rank + k] = TensorPrimitives.Dot(a.Down.Value.AsSpan(k * a.InputSize, a.InputSize), input);
            }
        }
        // y: [batch, out] += u: [batch, L·r] · Bᵀ: [L·r, out]
        Gemm.Multiply(_u.AsSpan(0, batch * stacked), _upStacked, _y.AsSpan(0, batch * outputs), batch, stacked, outputs, accumulate: true);
    }

    ReadOnlySpan<float> AdapterInput(int l, int sample) => l == 0
        ? _x.AsSpan(sample * Base.InputSize, Base.InputSize)
        : Entry(sample).Slice(_segmentOffsets[l], _adapters[l].InputSize);

    public override void Predict(ReadOnlySpan<float> x, Span<float> y, int batch)
    {
        Allocate(Math.Min(PredictChunk, Math.Max(batch, 1)));
        int chunk = _activations!.MaxBatch, outputs = Base.OutputSize;
        for (int start = 0; start < batch; start += chunk)
        {
            int count = Math.Min(chunk, batch - start);
            x.Slice(start * Base.InputSize, count * Base.InputSize).CopyTo(_x);
            Base.Forward(_x, _activations, count); // not counted: BaseForwardSamples counts fitting's passes
            for (int s = 0; s < count; s++) CopyEntry(s, _entries.AsSpan(s * EntrySize, EntrySize), 0);
            UseBatchEntries(count);
            Output(count);
            _y.AsSpan(0, count * outputs).CopyTo(y.Slice(start * outputs));
        }
    }

    sealed class SkipAdapter
    {
        public SkipAdapter(Network network, int ordinal, int rank, Random random)
        {
            LayerIndex = network.WeightedLayers[ordinal];
            InputSize = network.Layers[LayerIndex].InputSize;
            Down = new Parameter($"skip.{ordinal}.A", [rank, InputSize]);
            Up = new Parameter($"skip.{ordinal}.B", [rank, network.OutputSize]);
            InitializeDown(Down, InputSize, random);
        }

        public int LayerIndex { get; }
        public int InputSize { get; }
        /// <summary>A: [r, d_l]</summary>
        public Parameter Down { get; }
        /// <summary>B stored transposed, Bᵀ: [r, out], so that its products run along the (long) output.</summary>
        public Parameter Up { get; }
    }
}

/// <summary>Skip-LoRA: skip adapters, the base forward pass recomputed for every sample in every epoch.</summary>
public sealed class SkipLora(Network baseNetwork, FineTuneOptions options) : SkipAdapters(baseNetwork, options)
{
    public override string Name => "skip-lora";

    protected override void FillEntries(SampleSet data, ReadOnlySpan<int> positions, ReadOnlySpan<float> x, ReadOnlySpan<int> labels, Span<float> entries)
    {
        int batch = positions.Length;
        ForwardBase(x, batch);
        for (int s = 0; s < batch; s++) CopyEntry(s, entries.Slice(s * EntrySize, EntrySize), labels[s]);
    }
}
