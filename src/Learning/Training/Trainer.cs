using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Tensors;

namespace SensorOdl.Learning.Training;

/// <summary>Full back-propagation training of every weight: how base models are made.</summary>
public sealed class Trainer(Network network, TrainingOptions options)
{
    /// <summary>Trains in place; returns the mean loss of the last epoch.</summary>
    public float Train(SampleSet data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        options.Validate();
        IReadOnlyList<Parameter> parameters = [.. network.Parameters];
        IOptimizer optimizer = Optimizers.Create(options.Optimizer, parameters, options.LearningRate);
        int batchSize = Math.Min(options.BatchSize, data.Count);
        Network.Activations activations = network.CreateActivations(batchSize);
        var x = new float[batchSize * network.InputSize];
        var labels = new int[batchSize];
        var order = new EpochOrder(data.Count, options.Seed);
        float epochLoss = 0;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            ReadOnlySpan<int> positions = order.Next();
            double lossSum = 0;
            for (int start = 0; start < data.Count; start += batchSize)
            {
                cancellation.ThrowIfCancellationRequested();
                int batch = Math.Min(batchSize, data.Count - start);
                data.Gather(positions.Slice(start, batch), x, labels);
                network.Forward(x, activations, batch);
                float loss = LossFunctions.Compute(options.Objective, activations.Output, x, labels, activations.OutputGradient, batch, network.OutputSize);
                network.ZeroGradients();
                network.Backward(activations, batch, _ => true, lowestLayer: 0);
                optimizer.Step();
                lossSum += loss * batch;
                progress?.Report(new TrainingProgress(epoch, options.Epochs, start + batch, data.Count, loss));
            }
            epochLoss = (float)(lossSum / data.Count);
        }
        return epochLoss;
    }
}

/// <summary>The loss of an objective: cross-entropy against labels, or MSE against the input itself.</summary>
public static class LossFunctions
{
    /// <summary>output: [batch, outputs] → loss; gradient: [batch, outputs]. x: [batch, inputs] is the reconstruction target.</summary>
    public static float Compute(Objective objective, ReadOnlySpan<float> output, ReadOnlySpan<float> x, ReadOnlySpan<int> labels,
        Span<float> gradient, int batch, int outputs) => objective switch
        {
            Objective.Classification => SoftmaxCrossEntropy.Compute(output, labels, gradient, batch, outputs),
            _ => MeanSquaredError.Compute(output, x, gradient, batch, outputs),
        };
}
