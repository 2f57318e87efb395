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
    /// <summary>Samples pushed through the frozen base while fitting and predicting.</summary>
    public abstract long BaseForwardSamples { get; }

    /// <summary>Trains the adapters on <paramref name="data"/>; returns the mean loss of the last epoch.</summary>
    public float Fit(SampleSet data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        TrainingOptions training = Options.Training;
        if (training.Objective == Objective.Classification) data.RequireLabels();
        if (data.InputSize != Base.InputSize) throw new ArgumentException($"Samples have {data.InputSize} values, the base takes {Base.InputSize}.");
        IOptimizer optimizer = Optimizers.Create(training.Optimizer, Trainable, training.LearningRate);
        int batchSize = Math.Min(training.BatchSize, data.Count);
        var order = new EpochOrder(data.Count, training.Seed);
        BeginFit(data, batchSize);
        float epochLoss = 0;
        for (int epoch = 1; epoch <= training.Epochs; epoch++)
        {
            ReadOnlySpan<int> positions = order.Next();
            double lossSum = 0;
            for (int start = 0; start < data.Count; start += batchSize)
            {
                cancellation.ThrowIfCancellationRequested();
                int batch = Math.Min(batchSize, data.Count - start);
                foreach (Parameter p in Trainable) p.ZeroGradient();
                float loss = TrainBatch(data, positions.Slice(start, batch));
                optimizer.Step();
                AfterStep();
                lossSum += loss * batch;
                progress?.Report(new TrainingProgress(epoch, training.Epochs, start + batch, data.Count, loss));
            }
            epochLoss = (float)(lossSum / data.Count);
        }
        EndFit();
        return epochLoss;
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
