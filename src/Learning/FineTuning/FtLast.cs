using SensorOdl.Learning.Layers;
using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Tensors;
using SensorOdl.Learning.Training;

namespace SensorOdl.Learning.FineTuning;

/// <summary>FT-Last: retrains every weight of the last layer; the base runs forward in every epoch.</summary>
public sealed class FtLast : FineTuner
{
    readonly Network _network;
    readonly int _lastLayer;
    readonly IWeightedLayer _last;
    BatchForward? _forward;
    Network.Activations? _predictActivations;

    public FtLast(Network baseNetwork, FineTuneOptions options) : base(baseNetwork, options)
    {
        _network = baseNetwork.Clone();
        _lastLayer = _network.WeightedLayers[^1];
        _last = (IWeightedLayer)_network.Layers[_lastLayer];
    }

    public override string Name => "ft-last";
    public override IReadOnlyList<Parameter> Trainable => [_last.Weight, _last.Bias];
    public override long BaseForwardSamples => _network.ForwardSamples;

    protected override void BeginFit(SampleSet data, int batchSize) => _forward = new BatchForward(_network, batchSize);

    protected override float TrainBatch(SampleSet data, ReadOnlySpan<int> positions)
    {
        float loss = _forward!.Run(data, positions, Options.Training.Objective);
        _network.Backward(_forward.Activations, positions.Length, i => i == _lastLayer, lowestLayer: _lastLayer);
        return loss;
    }

    public override void Predict(ReadOnlySpan<float> x, Span<float> y, int batch) =>
        Predictions.Run(_network, _predictActivations ??= _network.CreateActivations(64), x, y, batch);
}

/// <summary>Plain inference through a network in chunks of the activation set's batch.</summary>
public static class Predictions
{
    /// <summary>x: [batch, in] → y: [batch, out], using <paramref name="activations"/> as scratch.</summary>
    public static void Run(Network network, Network.Activations activations, ReadOnlySpan<float> x, Span<float> y, int batch)
    {
        int chunk = activations.MaxBatch;
        for (int start = 0; start < batch; start += chunk)
        {
            int count = Math.Min(chunk, batch - start);
            network.Forward(x.Slice(start * network.InputSize, count * network.InputSize), activations, count);
            activations.Output.AsSpan(0, count * network.OutputSize).CopyTo(y.Slice(start * network.OutputSize));
        }
    }
}
