namespace SensorOdl.Learning.Tensors;

/// <summary>Unfolds convolution patches into a matrix and folds gradients back (stride 1, zero padding).</summary>
public static class Im2Col
{
    /// <summary>image: [c, h, w] → columns: [c·k·k, h'·w'] with h' = h + 2·pad − k + 1</summary>
    public static void Unfold(ReadOnlySpan<float> image, int channels, int height, int width, int kernel, int padding, Span<float> columns)
    {
        int outHeight = height + 2 * padding - kernel + 1, outWidth = width + 2 * padding - kernel + 1;
        int positions = outHeight * outWidth;
        for (int c = 0; c < channels; c++)
            for (int ky = 0; ky < kernel; ky++)
                for (int kx = 0; kx < kernel; kx++)
                {
                    Span<float> row = columns.Slice(((c * kernel + ky) * kernel + kx) * positions, positions);
                    for (int oy = 0; oy < outHeight; oy++)
                    {
                        int iy = oy + ky - padding;
                        Span<float> outRow = row.Slice(oy * outWidth, outWidth);
                        if ((uint)iy >= (uint)height) { outRow.Clear(); continue; }
                        // valid ox: 0 <= ox + kx - padding < width
                        int first = Math.Max(0, padding - kx), last = Math.Min(outWidth, width + padding - kx);
                        outRow[..Math.Max(0, first)].Clear();
                        if (last > first)
                            image.Slice(c * height * width + iy * width + first + kx - padding, last - first).CopyTo(outRow[first..last]);
                        if (last < outWidth) outRow[Math.Max(last, 0)..].Clear();
                    }
                }
    }

    /// <summary>columns: [c·k·k, h'·w'] → image: [c, h, w], summing overlapping patches (overwrites image)</summary>
    public static void Fold(ReadOnlySpan<float> columns, int channels, int height, int width, int kernel, int padding, Span<float> image)
    {
        int outHeight = height + 2 * padding - kernel + 1, outWidth = width + 2 * padding - kernel + 1;
        int positions = outHeight * outWidth;
        image[..(channels * height * width)].Clear();
        for (int c = 0; c < channels; c++)
            for (int ky = 0; ky < kernel; ky++)
                for (int kx = 0; kx < kernel; kx++)
                {
                    ReadOnlySpan<float> row = columns.Slice(((c * kernel + ky) * kernel + kx) * positions, positions);
                    int first = Math.Max(0, padding - kx), last = Math.Min(outWidth, width + padding - kx);
                    if (last <= first) continue;
                    for (int oy = 0; oy < outHeight; oy++)
                    {
                        int iy = oy + ky - padding;
                        if ((uint)iy >= (uint)height) continue;
                        Span<float> target = image.Slice(c * height * width + iy * width + first + kx - padding, last - first);
                        System.Numerics.Tensors.TensorPrimitives.Add(target, row.Slice(oy * outWidth + first, last - first), target);
                    }
                }
    }
}
