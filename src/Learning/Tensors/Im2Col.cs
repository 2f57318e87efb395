using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SensorOdl.Learning.Tensors;

/// <summary>Unfolds convolution patches into a matrix and folds gradients back (stride 1, zero padding).</summary>
public static class Im2Col
{
    /// <summary>image: [c, h, w] → columns: [c·k·k, h'·w'] with h' = h + 2·pad − k + 1</summary>
    public static void Unfold(ReadOnlySpan<float> image, int channels, int height, int width, int kernel, int padding, Span<float> columns)
    {
        int outHeight = height + 2 * padding - kernel + 1, outWidth = width + 2 * padding - kernel + 1;
        int positions = outHeight * outWidth;
        if (image.Length < channels * height * width || columns.Length < channels * kernel * kernel * positions)
            throw new ArgumentException("Image or column span too short for the convolution's shape.");
        // Runs once per image and kernel tap: short rows, so raw refs instead of a slice and a bounds check per copy.
        ref float source = ref MemoryMarshal.GetReference(image);
        ref float target = ref MemoryMarshal.GetReference(columns);
        for (int c = 0; c < channels; c++)
            for (int ky = 0; ky < kernel; ky++)
                for (int kx = 0; kx < kernel; kx++)
                {
                    ref float row = ref Unsafe.Add(ref target, ((c * kernel + ky) * kernel + kx) * positions);
                    // valid ox: 0 <= ox + kx - padding < width
                    int first = Math.Clamp(padding - kx, 0, outWidth), last = Math.Clamp(width + padding - kx, first, outWidth);
                    for (int oy = 0; oy < outHeight; oy++)
                    {
                        int iy = oy + ky - padding;
                        ref float outRow = ref Unsafe.Add(ref row, oy * outWidth);
                        if ((uint)iy >= (uint)height)
                        {
                            for (int ox = 0; ox < outWidth; ox++) Unsafe.Add(ref outRow, ox) = 0f;
                            continue;
                        }
                        for (int ox = 0; ox < first; ox++) Unsafe.Add(ref outRow, ox) = 0f;
                        ref float inRow = ref Unsafe.Add(ref source, (c * height + iy) * width + first + kx - padding);
                        for (int ox = first; ox < last; ox++) Unsafe.Add(ref outRow, ox) = Unsafe.Add(ref inRow, ox - first);
                        for (int ox = last; ox < outWidth; ox++) Unsafe.Add(ref outRow, ox) = 0f;
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
