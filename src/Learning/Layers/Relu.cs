using System.Numerics.Tensors;
using SensorOdl.Learning.Tensors;

namespace SensorOdl.Learning.Layers;

/// <summary>y = max(x, 0).  x, y: [batch, size]</summary>
public sealed class Relu(int size) : Layer
{
    public override int InputSize => size;
    public override int OutputSize => size;
    public override LayerSpec Spec => new("relu", Size: size);

    public override void Forward(ReadOnlySpan<float> x, Span<float> y, int batch) =>
        TensorPrimitives.Max(x[..(batch * size)], 0f, y);

    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        int batch, bool computeParameterGradients)
    {
        if (dx.IsEmpty) return;
        for (int i = 0; i < batch * size; i++) dx[i] = y[i] > 0f ? dy[i] : 0f;
    }
}

/// <summary>y = tanh(x).  x, y: [batch, size]</summary>
public sealed class Tanh(int size) : Layer
{
    public override int InputSize => size;
    public override int OutputSize => size;
    public override LayerSpec Spec => new("tanh", Size: size);

    public override void Forward(ReadOnlySpan<float> x, Span<float> y, int batch) =>
        TensorPrimitives.Tanh(x[..(batch * size)], y);

    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        int batch, bool computeParameterGradients)
    {
        if (dx.IsEmpty) return;
        for (int i = 0; i < batch * size; i++) dx[i] = dy[i] * (1f - y[i] * y[i]);
    }
}

/// <summary>Reshapes [batch, c, h, w] to [batch, c·h·w]; tensors are flat already, so it copies.</summary>
public sealed class Flatten(int size) : Layer
{
    public override int InputSize => size;
    public override int OutputSize => size;
    public override LayerSpec Spec => new("flatten", Size: size);

    public override void Forward(ReadOnlySpan<float> x, Span<float> y, int batch) => x[..(batch * size)].CopyTo(y);

    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        int batch, bool computeParameterGradients)
    {
        if (!dx.IsEmpty) dy[..(batch * size)].CopyTo(dx);
    }
}
