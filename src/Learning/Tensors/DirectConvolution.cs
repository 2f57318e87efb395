using System.Numerics.Tensors;

namespace SensorOdl.Learning.Tensors;

/// <summary>
/// Convolution forward without im2col (stride 1, zero padding). LeNet's convolutions have 6 and 16 output
/// channels, so an unfolded column matrix is written and read back for only 6–16 multiply-adds per value:
/// the copy, not the arithmetic, set the speed. Here the image is padded once and the micro-kernel reads
/// each tap's panel straight from it: with the output laid out at the padded width, the values a tap
/// (c, ky, kx) needs for consecutive outputs are consecutive in the padded image, offset by
/// c·PH·PW + ky·PW + kx. The columns past the valid width are computed and dropped.
/// </summary>
public static class DirectConvolution
{
    [ThreadStatic] static float[]? t_padded;
    [ThreadStatic] static float[]? t_wide;
    [ThreadStatic] static float[]? t_packedWeight;

    /// <summary>
    /// image: [cin, h, w], weight: [cout, cin·k·k], bias: [cout] → y: [cout, h', w'] = bias + weight ⊛ image,
    /// h' = h + 2·pad − k + 1. The <see cref="GemmKernel.Scalar"/> kernel unfolds and multiplies instead.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> image, int inChannels, int height, int width, int kernel, int padding,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outChannels, Span<float> y, GemmKernel gemmKernel = GemmKernel.Auto)
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
            AddBias(y, bias, outChannels, outHeight * outWidth);
            return;
        }
        if (gemmKernel == GemmKernel.Vector256) Run<Vector256Kernel>(image, inChannels, height, width, kernel, padding, weight, bias, outChannels, y);
        else Run<Vector128Kernel>(image, inChannels, height, width, kernel, padding, weight, bias, outChannels, y);
    }

    static void Run<TKernel>(ReadOnlySpan<float> image, int inChannels, int height, int width, int kernel, int padding,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outChannels, Span<float> y) where TKernel : IMicroKernel
    {
        const int rows = MicroKernels.Rows;
        int columns = TKernel.Columns;
        int paddedHeight = height + 2 * padding, paddedWidth = width + 2 * padding;
        int outHeight = paddedHeight - kernel + 1, outWidth = paddedWidth - kernel + 1;
        int taps = inChannels * kernel * kernel;
        int wide = outHeight * paddedWidth, wideRounded = (wide + columns - 1) / columns * columns;
        int slivers = (outChannels + rows - 1) / rows;

        // The last panel reads up to wideRounded − 1 past the largest tap offset: slack keeps it inside the buffer.
        int planeSize = paddedHeight * paddedWidth;
        float[] padded = Gemm.Buffer(ref t_padded, inChannels * planeSize + wideRounded);
        Array.Clear(padded, 0, inChannels * planeSize + wideRounded);
        for (int c = 0; c < inChannels; c++)
            for (int iy = 0; iy < height; iy++)
                image.Slice((c * height + iy) * width, width).CopyTo(padded.AsSpan(c * planeSize + (iy + padding) * paddedWidth + padding, width));

        Span<int> offsets = taps <= 1024 ? stackalloc int[taps] : new int[taps];
        for (int c = 0, p = 0; c < inChannels; c++)
            for (int ky = 0; ky < kernel; ky++)
                for (int kx = 0; kx < kernel; kx++) offsets[p++] = c * planeSize + ky * paddedWidth + kx;

        float[] packedWeight = Gemm.Buffer(ref t_packedWeight, slivers * taps * rows);
        Gemm.PackA(weight, false, packedWeight, outChannels, taps);
        float[] wideOutput = Gemm.Buffer(ref t_wide, slivers * rows * wideRounded);

        for (int j0 = 0; j0 < wide; j0 += columns)
            for (int s = 0; s < slivers; s++)
                TKernel.GatheredTile(ref packedWeight[s * taps * rows], ref padded[j0], ref offsets[0], taps,
                    ref wideOutput[s * rows * wideRounded + j0], wideRounded);

        for (int co = 0; co < outChannels; co++)
            for (int oy = 0; oy < outHeight; oy++)
                TensorPrimitives.Add(wideOutput.AsSpan(co * wideRounded + oy * paddedWidth, outWidth), bias[co],
                    y.Slice((co * outHeight + oy) * outWidth, outWidth));
    }

    static void AddBias(Span<float> y, ReadOnlySpan<float> bias, int channels, int positions)
    {
        for (int c = 0; c < channels; c++) TensorPrimitives.Add(y.Slice(c * positions, positions), bias[c], y.Slice(c * positions, positions));
    }
}
