using SensorOdl.Learning.Layers;
using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Tensors;
using SensorOdl.Learning.Training;

namespace SensorOdl.Learning.Tests;

public class LayerGradientTests
{
    const int Batch = 3;

    public static TheoryData<string> Layers => ["dense", "conv2d", "conv2d-padded", "relu", "tanh", "maxpool2d", "flatten"];

    static Layer Create(string name) => name switch
    {
        "dense" => new Dense(7, 5),
        "conv2d" => new Conv2d(2, 3, 6, 5, 3, 0),
        "conv2d-padded" => new Conv2d(2, 3, 6, 6, 5, 2),
        "relu" => new Relu(11),
        "tanh" => new Tanh(11),
        "maxpool2d" => new MaxPool2d(2, 4, 6, 2),
        "flatten" => new Flatten(9),
        _ => throw new ArgumentException(name),
    };

    // Loss = Σ c ⊙ y with fixed random c, so dLoss/dy = c.
    [Theory, MemberData(nameof(Layers))]
    public void Backward_matches_finite_differences(string name)
    {
        Layer layer = Create(name);
        var random = new Random(5);
        foreach (Parameter p in layer.Parameters) NetworkFactory.FillUniform(p.Value, 0.5f, random);
        float[] x = GradientCheck.RandomValues(Batch * layer.InputSize, 11);
        float[] c = GradientCheck.RandomValues(Batch * layer.OutputSize, 12);
        var y = new float[Batch * layer.OutputSize];
        double Loss()
        {
            layer.Forward(x, y, Batch);
            double sum = 0;
            for (int i = 0; i < y.Length; i++) sum += (double)c[i] * y[i];
            return sum;
        }

        Loss();
        var dx = new float[x.Length];
        foreach (Parameter p in layer.Parameters) p.ZeroGradient();
        layer.Backward(x, y, c, dx, Batch, computeParameterGradients: true);

        GradientCheck.Check($"{name} dx", x, dx, Loss, probes: 24);
        foreach (Parameter p in layer.Parameters)
            GradientCheck.Check($"{name} d{p.Name}", p.Value, p.Gradient, Loss, probes: 16);
    }

    [Fact]
    public void Cross_entropy_gradient_matches_finite_differences()
    {
        const int classes = 5;
        float[] logits = GradientCheck.RandomValues(Batch * classes, 21, 3f);
        int[] labels = [0, 3, 4];
        var gradient = new float[logits.Length];
        SoftmaxCrossEntropy.Compute(logits, labels, gradient, Batch, classes);
        GradientCheck.Check("cross-entropy", logits, gradient,
            () => SoftmaxCrossEntropy.Compute(logits, labels, new float[logits.Length], Batch, classes), probes: logits.Length, epsilon: 1e-3);
    }

    [Fact]
    public void Cross_entropy_of_a_confident_right_answer_is_near_zero_and_of_uniform_logits_is_log_classes()
    {
        var gradient = new float[4];
        Assert.Equal(MathF.Log(4), SoftmaxCrossEntropy.Compute(new float[4], [2], gradient, 1, 4), 4);
        Assert.True(SoftmaxCrossEntropy.Compute([0, 0, 30, 0], [2], gradient, 1, 4) < 1e-6);
    }

    [Fact]
    public void Mean_squared_error_gradient_matches_finite_differences()
    {
        float[] prediction = GradientCheck.RandomValues(Batch * 4, 31), target = GradientCheck.RandomValues(Batch * 4, 32);
        var gradient = new float[prediction.Length];
        MeanSquaredError.Compute(prediction, target, gradient, Batch, 4);
        GradientCheck.Check("mse", prediction, gradient,
            () => MeanSquaredError.Compute(prediction, target, new float[prediction.Length], Batch, 4), probes: prediction.Length, epsilon: 1e-3);
    }

    [Fact]
    public void Maxpool_passes_the_gradient_to_the_winner_only()
    {
        var pool = new MaxPool2d(1, 2, 2, 2);
        float[] x = [1, 4, 2, 3], y = new float[1], dx = new float[4];
        pool.Forward(x, y, 1);
        Assert.Equal(4, y[0]);
        pool.Backward(x, y, [1f], dx, 1, false);
        Assert.Equal([0f, 1f, 0f, 0f], dx);
    }

    [Fact]
    public void Padded_convolution_of_a_centred_impulse_reproduces_the_flipped_kernel()
    {
        var conv = new Conv2d(1, 1, 5, 5, 3, 1);
        for (int i = 0; i < 9; i++) conv.Weight.Value[i] = i + 1;
        var x = new float[25];
        x[12] = 1; // centre
        var y = new float[25];
        conv.Forward(x, y, 1);
        // Cross-correlation: output at (2+dy, 2+dx) sees the impulse through kernel tap (1-dy, 1-dx).
        Assert.Equal(9, y[1 * 5 + 1]);
        Assert.Equal(5, y[2 * 5 + 2]);
        Assert.Equal(1, y[3 * 5 + 3]);
        Assert.Equal(0, y[0]);
    }
}
