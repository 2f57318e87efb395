using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Tensors;
using SensorOdl.Learning.Training;

namespace SensorOdl.Learning.FineTuning;

/// <summary>
/// A fine-tuning method bound to a frozen base network. After <see cref="Fit"/> (or <see cref="Import"/>)
/// it is also the adapted model: <see cref="Predict"/> gives the base plus its adapters.
/// </summary>
public abstract class FineTuner
{
    protected FineTuner(Network baseNetwork, FineTuneOptions options)
    {
        options.Validate();
        Base = baseNetwork;
        Options = options;
    }

    public abstract string Name { get; }
    public Network Base { get; }
    public FineTuneOptions Options { get; }
    /// <summary>The parameters the method trains (the adapters, or the last layer for ft-last).</summary>
    public abstract IReadOnlyList<Parameter> Trainable { get; }
    public long TrainableParameters => Trainable.Sum(p => (long)p.Size);
    /// <summary>Bytes held by the forward cache; zero for methods without one.</summary>
    public virtual long CacheBytes => 0;
    /// <summary>
    /// Samples pushed through the frozen base while fitting; ft-last and the LoRA methods, which predict through
    /// that same network, count their predictions too.
    /// </summary>
    public abstract long BaseForwardSamples { get; }

    /// <summary>Trains the adapters on <paramref name="data"/>; returns the mean loss of the last epoch.</summary>
    public float Fit(SampleSet data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        var loop = new EpochLoop(data, Options.Training, Base.InputSize);
        BeginFit(data, loop.BatchSize);
        float loss = loop.Run(Trainable, positions => TrainBatch(data, positions), AfterStep, progress, cancellation);
        EndFit();
        return loss;
    }

    /// <summary>x: [batch, Base.InputSize] → y: [batch, Base.OutputSize] through the base and the adapters.</summary>
    public abstract void Predict(ReadOnlySpan<float> x, Span<float> y, int batch);

    public AdapterSet Export() => new(Name, Options.Rank, [.. Trainable.Select(p => new NamedTensor(p.Name, p.Shape, (float[])p.Value.Clone()))]);

    /// <summary>Loads trained adapters, turning this tuner into that adapted model.</summary>
    public void Import(AdapterSet adapters)
    {
        if (adapters.Method != Name) throw new Models.ModelFormatException($"adapter set is for '{adapters.Method}', not '{Name}'.");
        foreach (Parameter p in Trainable)
        {
            NamedTensor tensor = adapters.Get(p.Name);
            if (tensor.Values.Length != p.Size) throw new Models.ModelFormatException($"adapter tensor '{p.Name}' has {tensor.Values.Length} values, expected {p.Size}.");
            tensor.Values.CopyTo(p.Value, 0);
        }
        AfterStep();
    }

    /// <summary>One mini-batch's loss with the trainable parameters' gradients left in place (for gradient checks).</summary>
    internal float ComputeGradients(SampleSet data, ReadOnlySpan<int> positions)
    {
        BeginFit(data, positions.Length);
        AfterStep();
        foreach (Parameter p in Trainable) p.ZeroGradient();
        return TrainBatch(data, positions);
    }

    protected virtual void BeginFit(SampleSet data, int batchSize) { }
    protected virtual void EndFit() { }
    /// <summary>Forward, loss and gradients of the trainable parameters for one mini-batch; returns its loss.</summary>
    protected abstract float TrainBatch(SampleSet data, ReadOnlySpan<int> positions);
    /// <summary>Called after every optimiser step (merged-weight methods refresh their weights here).</summary>
    protected virtual void AfterStep() { }

    protected static void InitializeDown(Parameter down, int fanIn, Random random) =>
        NetworkFactory.FillUniform(down.Value, 1f / MathF.Sqrt(fanIn), random);
}
