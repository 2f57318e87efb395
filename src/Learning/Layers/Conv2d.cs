using System.Numerics.Tensors;
using SensorOdl.Learning.Tensors;

namespace SensorOdl.Learning.Layers;

/// <summary>
/// 2-D convolution, stride 1, zero padding: forward by <see cref="DirectConvolution"/>, backward through im2col and <see cref="Gemm"/>.
/// x: [batch, cin, h, w]  W: [cout, cin·k·k]  b: [cout]  y: [batch, cout, h', w'] with h' = h + 2·pad − k + 1.
/// </summary>
public sealed class Conv2d : Layer, IWeightedLayer
{
    readonly float[] _columns;          // [cin·k·k, h'·w'] of the sample in flight
    readonly float[] _columnGradient;   // same shape, for dx

    public Conv2d(int inChannels, int outChannels, int height, int width, int kernel, int padding)
    {
        InChannels = inChannels;
        OutChannels = outChannels;
        Height = height;
        Width = width;
        Kernel = kernel;
        Padding = padding;
        OutHeight = height + 2 * padding - kernel + 1;
        OutWidth = width + 2 * padding - kernel + 1;
        if (OutHeight <= 0 || OutWidth <= 0) throw new ArgumentException("Kernel larger than the padded input.");
        Weight = new Parameter("weight", [outChannels, FanIn]);
        Bias = new Parameter("bias", [outChannels]);
        _columns = new float[FanIn * OutHeight * OutWidth];
        _columnGradient = new float[_columns.Length];
    }

    public int InChannels { get; }
    public int OutChannels { get; }
    public int Height { get; }
    public int Width { get; }
    public int Kernel { get; }
    public int Padding { get; }
    public int OutHeight { get; }
    public int OutWidth { get; }
    public int FanIn => InChannels * Kernel * Kernel;
    public int FanOut => OutChannels;
    public Parameter Weight { get; }
    public Parameter Bias { get; }
    public override int InputSize => InChannels * Height * Width;
    public override int OutputSize => OutChannels * OutHeight * OutWidth;
    public override IReadOnlyList<Parameter> Parameters => [Weight, Bias];
    public override LayerSpec Spec => new("conv2d", Out: OutChannels, Channels: InChannels, Height: Height, Width: Width, Kernel: Kernel, Padding: Padding);

    int Positions => OutHeight * OutWidth;

    public override void Forward(ReadOnlySpan<float> x, Span<float> y, int batch) => Forward(x, y, batch, relu: false);

    public override bool FusesRelu => true;

    public override void ForwardRelu(ReadOnlySpan<float> x, Span<float> y, int batch) => Forward(x, y, batch, relu: true);

    void Forward(ReadOnlySpan<float> x, Span<float> y, int batch, bool relu)
    {
        DirectConvolution.Forward(x, InChannels, Height, Width, Kernel, Padding, Weight.Value, Bias.Value, OutChannels, y,
            relu: relu, batch: batch);
    }

    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        int batch, bool computeParameterGradients)
    {
        for (int s = 0; s < batch; s++)
        {
            ReadOnlySpan<float> dys = dy.Slice(s * OutputSize, OutputSize);
            if (computeParameterGradients)
            {
                Im2Col.Unfold(x.Slice(s * InputSize, InputSize), InChannels, Height, Width, Kernel, Padding, _columns);
                // dW: [cout, K] += dy: [cout, P] · columnsᵀ: [P, K]
                Gemm.MultiplyTransposedB(dys, _columns, Weight.Gradient, OutChannels, Positions, FanIn, accumulate: true);
                for (int c = 0; c < OutChannels; c++) Bias.Gradient[c] += TensorPrimitives.Sum(dys.Slice(c * Positions, Positions));
            }
            if (dx.IsEmpty) continue;
            // dcolumns: [K, P] = Wᵀ: [K, cout] · dy: [cout, P]
            Gemm.MultiplyTransposedA(Weight.Value, dys, _columnGradient, FanIn, OutChannels, Positions);
            Im2Col.Fold(_columnGradient, InChannels, Height, Width, Kernel, Padding, dx.Slice(s * InputSize, InputSize));
        }
    }
}
