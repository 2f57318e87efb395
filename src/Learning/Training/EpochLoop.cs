using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Tensors;

namespace SensorOdl.Learning.Training;

/// <summary>One mini-batch: forward, loss and the gradients of the trained parameters; returns the batch's mean loss.</summary>
public delegate float TrainingStep(ReadOnlySpan<int> positions);

/// <summary>
/// The epoch loop of every kind of training, full (<see cref="Trainer"/>) and fine-tuning alike: each epoch a fresh
/// seeded shuffle, then mini-batches in that order; per mini-batch a cancellation check, the trained parameters'
/// gradients zeroed, the step, one optimiser step, <c>afterStep</c>, and a progress report.
/// </summary>
public sealed class EpochLoop
{
    readonly SampleSet _data;
    readonly TrainingOptions _options;

    /// <summary>Checks the run can go: valid options, labels for classification, samples of the network's input size.</summary>
    public EpochLoop(SampleSet data, TrainingOptions options, int inputSize)
    {
        options.Validate();
        if (options.Objective == Objective.Classification) data.RequireLabels();
        if (data.InputSize != inputSize) throw new ArgumentException($"Samples have {data.InputSize} values, the network takes {inputSize}.");
        _data = data;
        _options = options;
        BatchSize = Math.Min(options.BatchSize, data.Count);
    }

    /// <summary>The largest mini-batch of the run: what the step's buffers must hold.</summary>
    public int BatchSize { get; }

    /// <summary>Trains <paramref name="parameters"/> by <paramref name="step"/>; returns the mean loss of the last epoch.</summary>
    public float Run(IReadOnlyList<Parameter> parameters, TrainingStep step, Action? afterStep = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        IOptimizer optimizer = Optimizers.Create(_options.Optimizer, parameters, _options.LearningRate);
        var order = new EpochOrder(_data.Count, _options.Seed);
        int count = _data.Count;
        float epochLoss = 0;
        for (int epoch = 1; epoch <= _options.Epochs; epoch++)
        {
            ReadOnlySpan<int> positions = order.Next();
            double lossSum = 0;
            for (int start = 0; start < count; start += BatchSize)
            {
                cancellation.ThrowIfCancellationRequested();
                int batch = Math.Min(BatchSize, count - start);
                foreach (Parameter p in parameters) p.ZeroGradient();
                float loss = step(positions.Slice(start, batch));
                optimizer.Step();
                afterStep?.Invoke();
                lossSum += loss * batch;
                progress?.Report(new TrainingProgress(epoch, _options.Epochs, start + batch, count, loss));
            }
            epochLoss = (float)(lossSum / count);
        }
        return epochLoss;
    }
}

/// <summary>A deterministic shuffle of sample positions per epoch.</summary>
public sealed class EpochOrder(int count, int seed)
{
    readonly Random _random = new(seed);
    readonly int[] _order = [.. Enumerable.Range(0, count)];

    public ReadOnlySpan<int> Next()
    {
        _random.Shuffle(_order);
        return _order;
    }
}

/// <summary>
/// A network's buffers for one mini-batch at a time: gathers the samples, runs the forward pass and leaves the
/// loss gradient in <see cref="Activations"/>, ready for <see cref="Network.Backward"/>.
/// </summary>
public sealed class BatchForward(Network network, int batchSize)
{
    readonly float[] _x = new float[batchSize * network.InputSize];
    readonly int[] _labels = new int[batchSize];
    readonly float[] _targets = new float[batchSize * network.InputSize];

    public Network.Activations Activations { get; } = network.CreateActivations(batchSize);

    /// <summary>Forward pass and loss of the samples at <paramref name="positions"/>; returns their mean loss.</summary>
    public float Run(SampleSet data, ReadOnlySpan<int> positions, Objective objective)
    {
        int batch = positions.Length;
        data.Gather(positions, _x, _labels);
        network.Forward(_x, Activations, batch);
        ReadOnlySpan<float> target = data.ReconstructionTargets(positions, _x, _targets);
        return LossFunctions.Compute(objective, Activations.Output, target, _labels, Activations.OutputGradient, batch, network.OutputSize);
    }
}
