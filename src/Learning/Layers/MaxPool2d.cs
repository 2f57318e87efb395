using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace SensorOdl.Learning.Layers;

/// <summary>Non-overlapping max pooling (window = stride = size).  x: [batch, c, h, w] → y: [batch, c, h/size, w/size]</summary>
public sealed class MaxPool2d : Layer
{
    public MaxPool2d(int channels, int height, int width, int size)
    {
        Channels = channels;
        Height = height;
        Width = width;
        Size = size;
        OutHeight = height / size;
        OutWidth = width / size;
    }

    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public int Size { get; }
    public int OutHeight { get; }
    public int OutWidth { get; }
    public override int InputSize => Channels * Height * Width;
    public override int OutputSize => Channels * OutHeight * OutWidth;
    public override LayerSpec Spec => new("maxpool2d", Channels: Channels, Height: Height, Width: Width, Kernel: Size);

    public override void Forward(ReadOnlySpan<float> x, Span<float> y, int batch)
    {
        if (Size == 2)
        {
            ForwardTwoByTwo(x, y, batch);
            return;
        }
        for (int plane = 0; plane < batch * Channels; plane++)
        {
            ReadOnlySpan<float> input = x.Slice(plane * Height * Width, Height * Width);
            Span<float> output = y.Slice(plane * OutHeight * OutWidth, OutHeight * OutWidth);
            for (int oy = 0; oy < OutHeight; oy++)
                for (int ox = 0; ox < OutWidth; ox++)
                    output[oy * OutWidth + ox] = input[ArgMax(input, oy, ox)];
        }
    }

    // The winner is found again from x, so the layer keeps no state between passes.
    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        int batch, bool computeParameterGradients)
    {
        if (dx.IsEmpty) return;
        dx[..(batch * InputSize)].Clear();
        for (int plane = 0; plane < batch * Channels; plane++)
        {
            ReadOnlySpan<float> input = x.Slice(plane * Height * Width, Height * Width);
            ReadOnlySpan<float> gradient = dy.Slice(plane * OutHeight * OutWidth, OutHeight * OutWidth);
            Span<float> inputGradient = dx.Slice(plane * Height * Width, Height * Width);
            for (int oy = 0; oy < OutHeight; oy++)
                for (int ox = 0; ox < OutWidth; ox++)
                    inputGradient[ArgMax(input, oy, ox)] += gradient[oy * OutWidth + ox];
        }
    }

    // LeNet's pooling, without the per-window index arithmetic: the same comparisons in the same order as ArgMax
    // (best = top-left, then replaced by top-right, bottom-left, bottom-right each when greater), so even NaNs and
    // signed zeros come out as the scalar loop's. Four windows at a time where the CPU can split even and odd lanes.
    void ForwardTwoByTwo(ReadOnlySpan<float> x, Span<float> y, int batch)
    {
        bool vector = OutWidth >= 4 && Vector128.IsHardwareAccelerated && (Sse.IsSupported || AdvSimd.Arm64.IsSupported);
        for (int plane = 0; plane < batch * Channels; plane++)
        {
            ReadOnlySpan<float> input = x.Slice(plane * Height * Width, Height * Width);
            Span<float> output = y.Slice(plane * OutHeight * OutWidth, OutHeight * OutWidth);
            for (int oy = 0; oy < OutHeight; oy++)
            {
                ReadOnlySpan<float> top = input.Slice(2 * oy * Width, Width), bottom = input.Slice((2 * oy + 1) * Width, Width);
                Span<float> row = output.Slice(oy * OutWidth, OutWidth);
                if (vector)
                {
                    // The last group of four overlaps the one before when OutWidth is not a multiple of 4 (same values again).
                    for (int ox = 0; ; ox += 4)
                    {
                        ox = Math.Min(ox, OutWidth - 4);
                        PoolFour(ref Unsafe.Add(ref MemoryMarshal.GetReference(top), 2 * ox), ref Unsafe.Add(ref MemoryMarshal.GetReference(bottom), 2 * ox))
                            .StoreUnsafe(ref MemoryMarshal.GetReference(row), (nuint)ox);
                        if (ox == OutWidth - 4) break;
                    }
                    continue;
                }
                for (int ox = 0; ox < row.Length; ox++)
                {
                    float best = top[2 * ox];
                    if (top[2 * ox + 1] > best) best = top[2 * ox + 1];
                    if (bottom[2 * ox] > best) best = bottom[2 * ox];
                    if (bottom[2 * ox + 1] > best) best = bottom[2 * ox + 1];
                    row[ox] = best;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector128<float> PoolFour(ref float top, ref float bottom)
    {
        Vector128<float> t0 = Vector128.LoadUnsafe(ref top), t1 = Vector128.LoadUnsafe(ref top, 4);
        Vector128<float> b0 = Vector128.LoadUnsafe(ref bottom), b1 = Vector128.LoadUnsafe(ref bottom, 4);
        Vector128<float> topLeft, topRight, bottomLeft, bottomRight;
        if (Sse.IsSupported)
        {
            topLeft = Sse.Shuffle(t0, t1, 0b10_00_10_00); topRight = Sse.Shuffle(t0, t1, 0b11_01_11_01);
            bottomLeft = Sse.Shuffle(b0, b1, 0b10_00_10_00); bottomRight = Sse.Shuffle(b0, b1, 0b11_01_11_01);
        }
        else
        {
            topLeft = AdvSimd.Arm64.UnzipEven(t0, t1); topRight = AdvSimd.Arm64.UnzipOdd(t0, t1);
            bottomLeft = AdvSimd.Arm64.UnzipEven(b0, b1); bottomRight = AdvSimd.Arm64.UnzipOdd(b0, b1);
        }
        return Greater(bottomRight, Greater(bottomLeft, Greater(topRight, topLeft)));
    }

    // candidate > best ? candidate : best, lane by lane (x64 MAXPS is exactly that).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector128<float> Greater(Vector128<float> candidate, Vector128<float> best) =>
        Sse.IsSupported ? Sse.Max(candidate, best) : Vector128.ConditionalSelect(Vector128.GreaterThan(candidate, best), candidate, best);

    int ArgMax(ReadOnlySpan<float> plane, int oy, int ox)
    {
        int best = oy * Size * Width + ox * Size;
        for (int dy = 0; dy < Size; dy++)
            for (int dx = 0; dx < Size; dx++)
            {
                int index = (oy * Size + dy) * Width + ox * Size + dx;
                if (plane[index] > plane[best]) best = index;
            }
        return best;
    }
}
