using SensorOdl.Learning.Networks;

namespace SensorOdl.Learning.Training;

/// <summary>Full back-propagation training of every weight: how base models are made.</summary>
public sealed class Trainer(Network network, TrainingOptions options)
{
    /// <summary>Trains in place; returns the mean loss of the last epoch.</summary>
    public float Train(SampleSet data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        var loop = new EpochLoop(data, options, network.InputSize);
        var forward = new BatchForward(network, loop.BatchSize);
        return loop.Run([.. network.Parameters], positions =>
        {
            float loss = forward.Run(data, positions, options.Objective);
            network.Backward(forward.Activations, positions.Length, _ => true, lowestLayer: 0);
            return loss;
        }, progress: progress, cancellation: cancellation);
    }
}

/// <summary>The loss of an objective: cross-entropy against labels, or MSE against the reconstruction target.</summary>
public static class LossFunctions
{
    /// <summary>output: [batch, outputs] → loss; gradient: [batch, outputs]. target: [batch, outputs] is what a reconstruction should give (the input, or a denoising fit's clean window).</summary>
    public static float Compute(Objective objective, ReadOnlySpan<float> output, ReadOnlySpan<float> target, ReadOnlySpan<int> labels,
        Span<float> gradient, int batch, int outputs) => objective switch
        {
            Objective.Classification => SoftmaxCrossEntropy.Compute(output, labels, gradient, batch, outputs),
            _ => MeanSquaredError.Compute(output, target, gradient, batch, outputs),
        };
}
