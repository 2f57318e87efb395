using SensorOdl.Learning.Layers;
using SensorOdl.Learning.Tensors;

namespace SensorOdl.Learning.Networks;

/// <summary>The architectures SensorOdl uses, with deterministic He initialisation.</summary>
public static class NetworkFactory
{
    /// <summary>
    /// LeNet-5 for 28×28 grey images: conv 1→6 (5×5, pad 2) · ReLU · pool 2 · conv 6→16 (5×5) · ReLU · pool 2 ·
    /// flatten · 400→120 · ReLU · 120→84 · ReLU · 84→classes.
    /// </summary>
    public static Network LeNet5(int classes = 10, int seed = 1)
    {
        var network = new Network(
        [
            new Conv2d(1, 6, 28, 28, 5, 2), new Relu(6 * 28 * 28), new MaxPool2d(6, 28, 28, 2),
            new Conv2d(6, 16, 14, 14, 5, 0), new Relu(16 * 10 * 10), new MaxPool2d(16, 10, 10, 2),
            new Flatten(400),
            new Dense(400, 120), new Relu(120),
            new Dense(120, 84), new Relu(84),
            new Dense(84, classes),
        ]);
        Initialize(network, seed);
        return network;
    }

    /// <summary>A dense autoencoder inputs → hidden… → inputs with ReLU between, linear output.</summary>
    public static Network Autoencoder(int inputs, IReadOnlyList<int> hidden, int seed = 1) => Mlp(inputs, hidden, inputs, seed);

    /// <summary>A dense classifier inputs → hidden… → classes (logits) with ReLU between.</summary>
    public static Network Classifier(int inputs, IReadOnlyList<int> hidden, int classes, int seed = 1) => Mlp(inputs, hidden, classes, seed);

    static Network Mlp(int inputs, IReadOnlyList<int> hidden, int outputs, int seed)
    {
        var layers = new List<Layer>();
        int width = inputs;
        foreach (int size in hidden)
        {
            layers.Add(new Dense(width, size));
            layers.Add(new Relu(size));
            width = size;
        }
        layers.Add(new Dense(width, outputs));
        var network = new Network(layers);
        Initialize(network, seed);
        return network;
    }

    /// <summary>He-uniform weights (bound √(6 / fan-in)), zero biases.</summary>
    public static void Initialize(Network network, int seed)
    {
        var random = new Random(seed);
        foreach (int index in network.WeightedLayers)
        {
            var layer = (IWeightedLayer)network.Layers[index];
            FillUniform(layer.Weight.Value, MathF.Sqrt(6f / layer.FanIn), random);
            Array.Clear(layer.Bias.Value);
        }
    }

    public static void FillUniform(Span<float> values, float bound, Random random)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (float)((random.NextDouble() * 2 - 1) * bound);
    }
}
