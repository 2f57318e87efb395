using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace SensorOdl.Learning.Tensors;

/// <summary>
/// Convolution forward without im2col (stride 1, zero padding). LeNet's convolutions have 6 and 16 output
/// channels, so an unfolded column matrix is written and read back for only 6–16 multiply-adds per value:
/// the copy, not the arithmetic, set the speed. Here the image is padded once and the micro-kernel reads
/// each tap's panel straight from it: with the output laid out at the padded width, the values a tap
/// (c, ky, kx) needs for consecutive outputs are consecutive in the padded image, offset by
/// c·PH·PW + ky·PW + kx. The columns past the valid width are computed and dropped.
/// With many output channels and narrow rows (LeNet's conv2: 16 channels, 10 of every 14 wide columns valid) the
/// channels go across the vector lanes instead and the six rows of a tile are six valid output positions
/// (<see cref="ConvolutionLayout.ChannelsInLanes"/>): no column is computed only to be dropped. Either way every
/// output is the same sum in the same order (taps ascending, fused multiply-adds from zero, then the bias).
/// </summary>
public static class DirectConvolution
{
    [ThreadStatic] static float[]? t_padded;
    [ThreadStatic] static float[]? t_wide;
    [ThreadStatic] static float[]? t_packedWeight;
    [ThreadStatic] static int[]? t_positions;

    /// <summary>
    /// image: [cin, h, w], weight: [cout, cin·k·k], bias: [cout] → y: [cout, h', w'] = bias + weight ⊛ image,
    /// h' = h + 2·pad − k + 1; with <paramref name="relu"/>, y = max(that, 0) in the same pass.
    /// The <see cref="GemmKernel.Scalar"/> kernel unfolds and multiplies instead.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> image, int inChannels, int height, int width, int kernel, int padding,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outChannels, Span<float> y, GemmKernel gemmKernel = GemmKernel.Auto,
        bool relu = false) =>
        Forward(image, inChannels, height, width, kernel, padding, weight, bias, outChannels, y, gemmKernel, relu, ConvolutionLayout.Auto);

    internal static void Forward(ReadOnlySpan<float> image, int inChannels, int height, int width, int kernel, int padding,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outChannels, Span<float> y, GemmKernel gemmKernel, bool relu,
        ConvolutionLayout layout)
    {
        if (gemmKernel == GemmKernel.Auto) gemmKernel = Gemm.Best;
        else if (!Gemm.IsSupported(gemmKernel)) throw new NotSupportedException($"The {gemmKernel} GEMM kernel is not accelerated on this machine.");
        int outHeight = height + 2 * padding - kernel + 1, outWidth = width + 2 * padding - kernel + 1;
        int taps = inChannels * kernel * kernel;
        if (image.Length < inChannels * height * width || weight.Length < outChannels * taps || bias.Length < outChannels
            || y.Length < outChannels * outHeight * outWidth || outHeight <= 0 || outWidth <= 0)
            throw new ArgumentException("Spans too short or kernel larger than the padded input.");
        if (gemmKernel == GemmKernel.Scalar)
        {
            var columns = new float[taps * outHeight * outWidth];
            Im2Col.Unfold(image, inChannels, height, width, kernel, padding, columns);
            Gemm.Multiply(weight, columns, y, outChannels, taps, outHeight * outWidth, kernel: GemmKernel.Scalar);
            AddBias(y, bias, outChannels, outHeight * outWidth, relu);
            return;
        }
        if (gemmKernel == GemmKernel.Vector256) Run<Vector256Kernel>(image, inChannels, height, width, kernel, padding, weight, bias, outChannels, y, relu, layout);
        else Run<Vector128Kernel>(image, inChannels, height, width, kernel, padding, weight, bias, outChannels, y, relu, layout);
    }

    /// <summary>
    /// The layout whose tiles hold more useful multiply-adds: output channels over slivers of six times valid
    /// columns over the padded width (Wide), or channels over whole vectors times positions over tiles of six.
    /// </summary>
    internal static ConvolutionLayout Choose(int outChannels, int outHeight, int outWidth, int paddedWidth, int columns)
    {
        const int rows = MicroKernels.Rows;
        int positions = outHeight * outWidth, wide = outHeight * paddedWidth;
        double wideUseful = (double)outChannels / ((outChannels + rows - 1) / rows * rows)
            * positions / ((wide + columns - 1) / columns * columns);
        double lanesUseful = (double)outChannels / ((outChannels + columns - 1) / columns * columns)
            * positions / ((positions + rows - 1) / rows * rows);
        return lanesUseful > wideUseful ? ConvolutionLayout.ChannelsInLanes : ConvolutionLayout.Wide;
    }

    static void Run<TKernel>(ReadOnlySpan<float> image, int inChannels, int height, int width, int kernel, int padding,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outChannels, Span<float> y, bool relu, ConvolutionLayout layout)
        where TKernel : IMicroKernel
    {
        const int rows = MicroKernels.Rows;
        int columns = TKernel.Columns;
        int paddedHeight = height + 2 * padding, paddedWidth = width + 2 * padding;
        int outHeight = paddedHeight - kernel + 1, outWidth = paddedWidth - kernel + 1;
        int taps = inChannels * kernel * kernel;
        int wide = outHeight * paddedWidth, wideRounded = (wide + columns - 1) / columns * columns;
        int slivers = (outChannels + rows - 1) / rows;
        if (layout == ConvolutionLayout.Auto) layout = Choose(outChannels, outHeight, outWidth, paddedWidth, columns);

        // The last panel reads up to wideRounded − 1 past the largest tap offset: slack keeps it inside the buffer.
        int planeSize = paddedHeight * paddedWidth;
        float[] padded = Gemm.Buffer(ref t_padded, inChannels * planeSize + wideRounded);
        if (padding == 0 && layout == ConvolutionLayout.ChannelsInLanes) image[..(inChannels * planeSize)].CopyTo(padded);
        else
        {
            Array.Clear(padded, 0, inChannels * planeSize + wideRounded);
            for (int c = 0; c < inChannels; c++)
                for (int iy = 0; iy < height; iy++)
                    image.Slice((c * height + iy) * width, width).CopyTo(padded.AsSpan(c * planeSize + (iy + padding) * paddedWidth + padding, width));
        }

        Span<int> offsets = taps <= 1024 ? stackalloc int[taps] : new int[taps];
        for (int c = 0, p = 0; c < inChannels; c++)
            for (int ky = 0; ky < kernel; ky++)
                for (int kx = 0; kx < kernel; kx++) offsets[p++] = c * planeSize + ky * paddedWidth + kx;

        if (layout == ConvolutionLayout.ChannelsInLanes)
        {
            ChannelsInLanes<TKernel>(padded, offsets, paddedWidth, outHeight, outWidth, weight, bias, outChannels, y, relu);
            return;
        }

        float[] packedWeight = Gemm.Buffer(ref t_packedWeight, slivers * taps * rows);
        Gemm.PackA(weight, false, packedWeight, outChannels, taps);
        float[] wideOutput = Gemm.Buffer(ref t_wide, slivers * rows * wideRounded);

        for (int j0 = 0; j0 < wide; j0 += columns)
            for (int s = 0; s < slivers; s++)
                TKernel.GatheredTile(ref packedWeight[s * taps * rows], ref padded[j0], ref offsets[0], taps,
                    ref wideOutput[s * rows * wideRounded + j0], wideRounded);

        for (int co = 0; co < outChannels; co++)
            for (int oy = 0; oy < outHeight; oy++)
            {
                Span<float> row = y.Slice((co * outHeight + oy) * outWidth, outWidth);
                TensorPrimitives.Add(wideOutput.AsSpan(co * wideRounded + oy * paddedWidth, outWidth), bias[co], row);
                if (relu) TensorPrimitives.Max(row, 0f, row);
            }
    }

    // Channels across the lanes: weight packed as [channel block][tap][Columns] (channels past outChannels zero), each
    // tile six output positions (the last tile repeats its last position), its [6, Columns] result scattered into y.
    static void ChannelsInLanes<TKernel>(float[] padded, ReadOnlySpan<int> offsets, int paddedWidth, int outHeight, int outWidth,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outChannels, Span<float> y, bool relu) where TKernel : IMicroKernel
    {
        const int rows = MicroKernels.Rows;
        int columns = TKernel.Columns, taps = offsets.Length;
        int blocks = (outChannels + columns - 1) / columns, positions = outHeight * outWidth;
        int tiles = (positions + rows - 1) / rows;

        float[] packedWeight = Gemm.Buffer(ref t_packedWeight, blocks * taps * columns);
        Array.Clear(packedWeight, 0, blocks * taps * columns);
        for (int co = 0; co < outChannels; co++)
        {
            ReadOnlySpan<float> filter = weight.Slice(co * taps, taps);
            int panel = co / columns * taps * columns + co % columns;
            for (int p = 0; p < taps; p++) packedWeight[panel + p * columns] = filter[p];
        }

        int[] positionOffsets = t_positions is { } cached && cached.Length >= tiles * rows ? cached : t_positions = new int[tiles * rows];
        for (int q = 0; q < tiles * rows; q++)
        {
            int valid = Math.Min(q, positions - 1);
            positionOffsets[q] = valid / outWidth * paddedWidth + valid % outWidth;
        }

        Span<float> tile = stackalloc float[rows * MicroKernels.MaxColumns];
        for (int block = 0; block < blocks; block++)
        {
            int c0 = block * columns, channels = Math.Min(columns, outChannels - c0);
            ref float panel = ref packedWeight[block * taps * columns];
            for (int t = 0; t < tiles; t++)
            {
                int q0 = t * rows, count = Math.Min(rows, positions - q0);
                TKernel.PositionTile(ref padded[0], ref MemoryMarshal.GetReference(offsets), ref positionOffsets[q0], ref panel, taps, ref tile[0]);
                for (int c = 0; c < channels; c++)
                {
                    float b = bias[c0 + c];
                    Span<float> target = y.Slice((c0 + c) * positions + q0, count);
                    for (int r = 0; r < count; r++)
                    {
                        float value = tile[r * columns + c] + b;
                        target[r] = relu ? MathF.Max(value, 0f) : value;
                    }
                }
            }
        }
    }

    static void AddBias(Span<float> y, ReadOnlySpan<float> bias, int channels, int positions, bool relu)
    {
        for (int c = 0; c < channels; c++)
        {
            Span<float> plane = y.Slice(c * positions, positions);
            TensorPrimitives.Add(plane, bias[c], plane);
            if (relu) TensorPrimitives.Max(plane, 0f, plane);
        }
    }
}

/// <summary>How <see cref="DirectConvolution"/> maps a convolution onto the micro-kernel's 6 × 2-vector tile.</summary>
enum ConvolutionLayout
{
    Auto,
    /// <summary>Output channels down the rows, output positions at the padded width across the lanes.</summary>
    Wide,
    /// <summary>Output channels across the lanes, six valid output positions down the rows.</summary>
    ChannelsInLanes,
}
