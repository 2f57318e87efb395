using SensorOdl.Learning.Layers;
using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Training;

namespace SensorOdl.Learning.Tests;

/// <summary>Small synthetic networks and data: fast enough for every test run.</summary>
internal static class TinyNetworks
{
    /// <summary>conv 1→2 (3×3, pad 1) on 6×6 · ReLU · pool 2 · flatten · 18→8 · ReLU · 8→3</summary>
    public static Network Classifier(int seed = 1)
    {
        var network = new Network(
        [
            new Conv2d(1, 2, 6, 6, 3, 1), new Relu(72), new MaxPool2d(2, 6, 6, 2), new Flatten(18),
            new Dense(18, 8), new Relu(8), new Dense(8, 3),
        ]);
        NetworkFactory.Initialize(network, seed);
        return network;
    }

    /// <summary>Three classes of 6×6 images: a bright row, column or diagonal, plus noise.</summary>
    public static SampleSet Patterns(int count, int seed, bool rotated = false, long firstId = 0)
    {
        var random = new Random(seed);
        var inputs = new float[count * 36];
        var labels = new int[count];
        for (int s = 0; s < count; s++)
        {
            int label = s % 3, line = random.Next(1, 5);
            labels[s] = label;
            Span<float> image = inputs.AsSpan(s * 36, 36);
            for (int i = 0; i < 36; i++) image[i] = (float)(random.NextDouble() * 0.3);
            for (int t = 0; t < 6; t++)
            {
                (int row, int col) = label switch { 0 => (line, t), 1 => (t, line), _ => (t, t) };
                if (rotated) (row, col) = (col, 5 - row);
                image[row * 6 + col] += 1f;
            }
        }
        return new SampleSet(36, inputs, labels, [.. Enumerable.Range(0, count).Select(i => firstId + i)]);
    }

    public static double Accuracy(Func<float[], int, float[]> predict, SampleSet data, int classes = 3)
    {
        float[] output = predict(data.Inputs, data.Count);
        int right = 0;
        for (int s = 0; s < data.Count; s++)
        {
            ReadOnlySpan<float> row = output.AsSpan(s * classes, classes);
            int best = 0;
            for (int c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
            if (best == data.Labels![s]) right++;
        }
        return (double)right / data.Count;
    }

    public static Network Trained(int seed = 1)
    {
        Network network = Classifier(seed);
        new Trainer(network, new TrainingOptions { Epochs = 15, BatchSize = 16, LearningRate = 0.01f }).Train(Patterns(300, 7));
        return network;
    }
}
