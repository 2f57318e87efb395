using SensorOdl.Learning.Tensors;

namespace SensorOdl.Learning.Layers;

/// <summary>
/// One stage of a feed-forward network. Tensors are flat spans, one sample after another:
/// x: [batch, InputSize] → y: [batch, OutputSize]. Layers keep no per-call state, so the
/// backward pass is given the forward pass's input and output again.
/// </summary>
public abstract class Layer
{
    public abstract int InputSize { get; }
    public abstract int OutputSize { get; }
    public virtual IReadOnlyList<Parameter> Parameters => [];
    public abstract LayerSpec Spec { get; }

    /// <summary>x: [batch, InputSize] → y: [batch, OutputSize]</summary>
    public abstract void Forward(ReadOnlySpan<float> x, Span<float> y, int batch);

    /// <summary>Whether <see cref="ForwardRelu"/> applies a following ReLU in this layer's own output pass.</summary>
    public virtual bool FusesRelu => false;

    /// <summary>y = max(Forward(x), 0): what this layer and a ReLU after it compute, in one pass where <see cref="FusesRelu"/>.</summary>
    public virtual void ForwardRelu(ReadOnlySpan<float> x, Span<float> y, int batch)
    {
        Forward(x, y, batch);
        System.Numerics.Tensors.TensorPrimitives.Max(y[..(batch * OutputSize)], 0f, y);
    }

    /// <summary>
    /// dy: [batch, OutputSize] → dx: [batch, InputSize] (skipped when <paramref name="dx"/> is empty).
    /// Parameter gradients are accumulated into <see cref="Parameter.Gradient"/> when asked.
    /// </summary>
    public abstract void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        int batch, bool computeParameterGradients);
}

/// <summary>A layer with a weight matrix W: [FanOut, FanIn] and a bias: [FanOut] (Dense, Conv2d).</summary>
public interface IWeightedLayer
{
    Parameter Weight { get; }
    Parameter Bias { get; }
    int FanIn { get; }
    int FanOut { get; }
}
