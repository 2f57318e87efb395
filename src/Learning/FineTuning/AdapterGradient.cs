using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SensorOdl.Learning.FineTuning;

/// <summary>The gradient of a skip adapter's down-projection, dA: [r, d] += vᵀ: [r, batch] · X: [batch, d].</summary>
static class AdapterGradient
{
    /// <summary>
    /// gradient[k, j] += Σ_s v[s·vStride + vOffset + k] · rows[rowOffsets[s] + j], the samples in order, each term
    /// multiplied then added (not fused): the same sums, bit for bit, as one row update per sample and rank, but X and
    /// dA are each read once per batch instead of once per sample and rank.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateDown(Span<float> gradient, int rank, int width, ReadOnlySpan<float> v, int vStride, int vOffset,
        float[] rows, ReadOnlySpan<int> rowOffsets)
    {
        if (gradient.Length < rank * width) throw new ArgumentException("Gradient span too short.");
        int k = 0;
        for (; k + 4 <= rank; k += 4) FourRanks(gradient, k, width, v, vStride, vOffset + k, rows, rowOffsets);
        for (; k < rank; k++) OneRank(gradient.Slice(k * width, width), v, vStride, vOffset + k, rows, rowOffsets);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void FourRanks(Span<float> gradient, int k0, int width, ReadOnlySpan<float> v, int vStride, int vOffset, float[] rows, ReadOnlySpan<int> rowOffsets)
    {
        int lanes = Vector<float>.Count, batch = rowOffsets.Length;
        ref float g = ref MemoryMarshal.GetReference(gradient.Slice(k0 * width, 4 * width));
        ref float x0 = ref MemoryMarshal.GetArrayDataReference(rows);
        int j = 0;
        if (Vector.IsHardwareAccelerated)
            for (; j + lanes <= width; j += lanes)
            {
                Vector<float> a0 = Vector.LoadUnsafe(ref g, (nuint)j), a1 = Vector.LoadUnsafe(ref g, (nuint)(width + j));
                Vector<float> a2 = Vector.LoadUnsafe(ref g, (nuint)(2 * width + j)), a3 = Vector.LoadUnsafe(ref g, (nuint)(3 * width + j));
                for (int s = 0; s < batch; s++)
                {
                    Vector<float> x = Vector.LoadUnsafe(ref x0, (nuint)(rowOffsets[s] + j));
                    ReadOnlySpan<float> scale = v.Slice(s * vStride + vOffset, 4);
                    a0 += new Vector<float>(scale[0]) * x;
                    a1 += new Vector<float>(scale[1]) * x;
                    a2 += new Vector<float>(scale[2]) * x;
                    a3 += new Vector<float>(scale[3]) * x;
                }
                a0.StoreUnsafe(ref g, (nuint)j);
                a1.StoreUnsafe(ref g, (nuint)(width + j));
                a2.StoreUnsafe(ref g, (nuint)(2 * width + j));
                a3.StoreUnsafe(ref g, (nuint)(3 * width + j));
            }
        for (int r = 0; r < 4; r++)
            Tail(gradient.Slice((k0 + r) * width, width), j, v, vStride, vOffset + r, rows, rowOffsets);
    }

    static void OneRank(Span<float> gradient, ReadOnlySpan<float> v, int vStride, int vOffset, float[] rows, ReadOnlySpan<int> rowOffsets)
    {
        int lanes = Vector<float>.Count, batch = rowOffsets.Length, width = gradient.Length;
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float x0 = ref MemoryMarshal.GetArrayDataReference(rows);
        int j = 0;
        if (Vector.IsHardwareAccelerated)
            for (; j + lanes <= width; j += lanes)
            {
                Vector<float> a = Vector.LoadUnsafe(ref g, (nuint)j);
                for (int s = 0; s < batch; s++)
                    a += new Vector<float>(v[s * vStride + vOffset]) * Vector.LoadUnsafe(ref x0, (nuint)(rowOffsets[s] + j));
                a.StoreUnsafe(ref g, (nuint)j);
            }
        Tail(gradient, j, v, vStride, vOffset, rows, rowOffsets);
    }

    static void Tail(Span<float> gradient, int from, ReadOnlySpan<float> v, int vStride, int vOffset, float[] rows, ReadOnlySpan<int> rowOffsets)
    {
        for (int j = from; j < gradient.Length; j++)
        {
            float sum = gradient[j];
            for (int s = 0; s < rowOffsets.Length; s++) sum += v[s * vStride + vOffset] * rows[rowOffsets[s] + j];
            gradient[j] = sum;
        }
    }
}
