using SensorOdl.Learning.Tensors;

namespace SensorOdl.Learning.Layers;

/// <summary>Fully connected: y = x Wᵀ + b.  x: [batch, in]  W: [out, in]  b: [out]  y: [batch, out]</summary>
public sealed class Dense : Layer, IWeightedLayer
{
    public Dense(int inputs, int outputs)
    {
        FanIn = inputs;
        FanOut = outputs;
        Weight = new Parameter("weight", [outputs, inputs]);
        Bias = new Parameter("bias", [outputs]);
    }

    public int FanIn { get; }
    public int FanOut { get; }
    public Parameter Weight { get; }
    public Parameter Bias { get; }
    public override int InputSize => FanIn;
    public override int OutputSize => FanOut;
    public override IReadOnlyList<Parameter> Parameters => [Weight, Bias];
    public override LayerSpec Spec => new("dense", In: FanIn, Out: FanOut);

    public override void Forward(ReadOnlySpan<float> x, Span<float> y, int batch) => Forward(x, y, batch, relu: false);

    public override bool FusesRelu => true;

    public override void ForwardRelu(ReadOnlySpan<float> x, Span<float> y, int batch) => Forward(x, y, batch, relu: true);

    void Forward(ReadOnlySpan<float> x, Span<float> y, int batch, bool relu)
    {
        Gemm.MultiplyTransposedB(x, Weight.Value, y, batch, FanIn, FanOut);
        for (int s = 0; s < batch; s++)
        {
            Span<float> row = y.Slice(s * FanOut, FanOut);
            System.Numerics.Tensors.TensorPrimitives.Add(row, Bias.Value, row);
            if (relu) System.Numerics.Tensors.TensorPrimitives.Max(row, 0f, row);
        }
    }

    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        int batch, bool computeParameterGradients)
    {
        if (computeParameterGradients)
        {
            // dW: [out, in] += dyᵀ: [out, batch] · x: [batch, in]
            Gemm.MultiplyTransposedA(dy, x, Weight.Gradient, FanOut, batch, FanIn, accumulate: true);
            for (int s = 0; s < batch; s++)
                System.Numerics.Tensors.TensorPrimitives.Add(Bias.Gradient, dy.Slice(s * FanOut, FanOut), Bias.Gradient);
        }
        // dx: [batch, in] = dy: [batch, out] · W: [out, in]
        if (!dx.IsEmpty) Gemm.Multiply(dy, Weight.Value, dx, batch, FanOut, FanIn);
    }
}
