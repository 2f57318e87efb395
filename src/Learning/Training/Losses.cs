using System.Runtime.CompilerServices;
using System.Numerics.Tensors;

namespace SensorOdl.Learning.Training;

/// <summary>Mean softmax cross-entropy over a batch.</summary>
public static class SoftmaxCrossEntropy
{
    /// <summary>logits: [batch, classes], labels: [batch] → mean loss; gradient: [batch, classes] = (softmax − onehot) / batch</summary>
    public static float Compute(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> gradient, int batch, int classes)
    {
        double loss = 0;
        for (int s = 0; s < batch; s++)
        {
            ReadOnlySpan<float> row = logits.Slice(s * classes, classes);
            Span<float> grad = gradient.Slice(s * classes, classes);
            float max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, grad);
            TensorPrimitives.Exp(grad, grad);
            float sum = TensorPrimitives.Sum(grad);
            int label = labels[s];
            if ((uint)label >= (uint)classes) throw new ArgumentOutOfRangeException(nameof(labels), $"label {label} outside 0..{classes - 1}");
            loss += Math.Log(sum) - (row[label] - max);
            TensorPrimitives.Multiply(grad, 1f / (sum * batch), grad);
            grad[label] -= 1f / batch;
        }
        return (float)(loss / batch);
    }
}

/// <summary>Mean squared error: mean over the batch of the per-sample mean of squared differences.</summary>
public static class MeanSquaredError
{
    /// <summary>prediction, target: [batch, size] → loss; gradient: [batch, size] = 2 (prediction − target) / (batch · size)</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Compute(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient, int batch, int size)
    {
        int n = batch * size;
        TensorPrimitives.Subtract(prediction[..n], target[..n], gradient);
        float loss = TensorPrimitives.SumOfSquares(gradient[..n]) / n;
        TensorPrimitives.Multiply(gradient[..n], 2f / n, gradient);
        return loss;
    }

    /// <summary>One sample's mean squared error: the autoencoder head's anomaly score (reconstruction against input).</summary>
    public static float PerSample(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target)
    {
        float sum = 0;
        for (int i = 0; i < prediction.Length; i++) { float d = prediction[i] - target[i]; sum += d * d; }
        return sum / prediction.Length;
    }
}
