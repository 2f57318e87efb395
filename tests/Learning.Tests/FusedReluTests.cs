using SensorOdl.Learning.Layers;
using SensorOdl.Learning.Networks;

namespace SensorOdl.Learning.Tests;

public sealed class FusedReluTests
{
    // Network.Forward runs LeNet-5's convolutions and dense layers with the ReLU after them in one pass; every layer
    // run on its own, unfused, must give the same bits at every boundary after a ReLU and at the output.
    [Fact]
    public void A_fused_forward_pass_equals_the_layers_run_one_by_one()
    {
        Network network = NetworkFactory.LeNet5(seed: 6);
        const int batch = 5;
        var random = new Random(3);
        float[] x = [.. Enumerable.Range(0, batch * network.InputSize).Select(_ => random.NextSingle() * 2 - 1)];
        Network.Activations activations = network.CreateActivations(batch);
        network.Forward(x, activations, batch);

        float[] current = x;
        for (int i = 0; i < network.Layers.Count; i++)
        {
            var next = new float[batch * network.Layers[i].OutputSize];
            network.Layers[i].Forward(current, next, batch);
            current = next;
            bool preActivation = i + 1 < network.Layers.Count && network.Layers[i + 1] is Relu;
            if (!preActivation)
                Assert.Equal(current.Select(BitConverter.SingleToInt32Bits), activations.Values[i + 1].Select(BitConverter.SingleToInt32Bits));
        }
        Assert.Contains(network.Layers, layer => layer is Relu);
    }

    // Back-propagation reads a ReLU's output, never the value before it: gradients equal those of an unfused copy.
    [Fact]
    public void Gradients_through_fused_layers_equal_the_unfused_ones()
    {
        Network fused = NetworkFactory.LeNet5(seed: 8);
        Network unfused = new([.. fused.Layers.Select(layer => layer is Relu ? (Layer)new UnfusableRelu(layer.InputSize) : layer)]);
        const int batch = 3;
        var random = new Random(5);
        float[] x = [.. Enumerable.Range(0, batch * fused.InputSize).Select(_ => random.NextSingle())];
        float[] Gradients(Network network)
        {
            network.ZeroGradients();
            Network.Activations activations = network.CreateActivations(batch);
            network.Forward(x, activations, batch);
            for (int i = 0; i < batch * network.OutputSize; i++) activations.OutputGradient[i] = activations.Output[i] - 0.1f * (i % 10);
            network.Backward(activations, batch, _ => true);
            return [.. network.Parameters.SelectMany(p => p.Gradient)];
        }
        Assert.Equal(Gradients(unfused).Select(BitConverter.SingleToInt32Bits), Gradients(fused).Select(BitConverter.SingleToInt32Bits));
    }

    sealed class UnfusableRelu(int size) : Layer
    {
        readonly Relu _relu = new(size);
        public override int InputSize => size;
        public override int OutputSize => size;
        public override LayerSpec Spec => _relu.Spec;
        public override void Forward(ReadOnlySpan<float> x, Span<float> y, int batch) => _relu.Forward(x, y, batch);
        public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int batch, bool computeParameterGradients) =>
            _relu.Backward(x, y, dy, dx, batch, computeParameterGradients);
    }
}
