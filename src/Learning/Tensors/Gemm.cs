using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SensorOdl.Learning.Tensors;

/// <summary>
/// Blocked single-precision matrix products, row-major, single-threaded. The shapes in each
/// signature are the contract; <see cref="ReferenceGemm"/> is the plain version they are tested against.
/// </summary>
public static class Gemm
{
    /// <summary>Below this inner length the plain loops beat vector library calls.</summary>
    const int SmallInner = 16;

    /// <summary>c: [m, n] (+)= a: [m, k] · b: [k, n]</summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate = false)
    {
        CheckSizes(a, m * k, b, k * n, c, m * n);
        if (!accumulate) c[..(m * n)].Clear();
        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float b0 = ref MemoryMarshal.GetReference(b);
        ref float c0 = ref MemoryMarshal.GetReference(c);
        int row = 0;
        for (; row + 4 <= m; row += 4) FourRows(ref a0, ref b0, ref c0, row, k, n);
        for (; row < m; row++) OneRow(ref a0, ref b0, ref c0, row, k, n);
    }

    /// <summary>c: [m, n] (+)= a: [m, k] · bᵀ where b: [n, k] (a dot product per output)</summary>
    public static void MultiplyTransposedB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate = false)
    {
        CheckSizes(a, m * k, b, n * k, c, m * n);
        if (k < SmallInner)
        {
            // Adapter ranks (k = 4): a library call per 4-term dot product costs more than the arithmetic.
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    float sum = accumulate ? c[i * n + j] : 0f;
                    for (int p = 0; p < k; p++) sum += a[i * k + p] * b[j * k + p];
                    c[i * n + j] = sum;
                }
            return;
        }
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<float> aRow = a.Slice(i * k, k);
            Span<float> cRow = c.Slice(i * n, n);
            for (int j = 0; j < n; j++)
            {
                float dot = TensorPrimitives.Dot(aRow, b.Slice(j * k, k));
                cRow[j] = accumulate ? cRow[j] + dot : dot;
            }
        }
    }

    /// <summary>c: [m, n] (+)= aᵀ · b where a: [k, m], b: [k, n] (a sum of rank-one updates)</summary>
    public static void MultiplyTransposedA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate = false)
    {
        CheckSizes(a, k * m, b, k * n, c, m * n);
        if (!accumulate) c[..(m * n)].Clear();
        if (n < SmallInner)
        {
            for (int p = 0; p < k; p++)
                for (int i = 0; i < m; i++)
                {
                    float scale = a[p * m + i];
                    for (int j = 0; j < n; j++) c[i * n + j] += scale * b[p * n + j];
                }
            return;
        }
        for (int p = 0; p < k; p++)
        {
            ReadOnlySpan<float> aRow = a.Slice(p * m, m);
            ReadOnlySpan<float> bRow = b.Slice(p * n, n);
            for (int i = 0; i < m; i++)
            {
                float scale = aRow[i];
                if (scale == 0f) continue;
                Span<float> cRow = c.Slice(i * n, n);
                TensorPrimitives.MultiplyAdd(bRow, scale, cRow, cRow);
            }
        }
    }

    // Four rows of c at once, two vectors of columns per step: eight accumulators stay in registers.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void FourRows(ref float a0, ref float b0, ref float c0, int row, int k, int n)
    {
        int width = Vector<float>.Count;
        ref float aRow0 = ref Unsafe.Add(ref a0, row * k);
        ref float aRow1 = ref Unsafe.Add(ref aRow0, k);
        ref float aRow2 = ref Unsafe.Add(ref aRow1, k);
        ref float aRow3 = ref Unsafe.Add(ref aRow2, k);
        ref float cRow0 = ref Unsafe.Add(ref c0, row * n);
        ref float cRow1 = ref Unsafe.Add(ref cRow0, n);
        ref float cRow2 = ref Unsafe.Add(ref cRow1, n);
        ref float cRow3 = ref Unsafe.Add(ref cRow2, n);
        int col = 0;
        for (; col + 2 * width <= n; col += 2 * width)
        {
            Vector<float> s00 = Load(ref cRow0, col), s01 = Load(ref cRow0, col + width);
            Vector<float> s10 = Load(ref cRow1, col), s11 = Load(ref cRow1, col + width);
            Vector<float> s20 = Load(ref cRow2, col), s21 = Load(ref cRow2, col + width);
            Vector<float> s30 = Load(ref cRow3, col), s31 = Load(ref cRow3, col + width);
            for (int p = 0; p < k; p++)
            {
                ref float bRow = ref Unsafe.Add(ref b0, p * n + col);
                Vector<float> b0v = Load(ref bRow, 0), b1v = Load(ref bRow, width);
                var x0 = new Vector<float>(Unsafe.Add(ref aRow0, p));
                var x1 = new Vector<float>(Unsafe.Add(ref aRow1, p));
                var x2 = new Vector<float>(Unsafe.Add(ref aRow2, p));
                var x3 = new Vector<float>(Unsafe.Add(ref aRow3, p));
                s00 = Vector.FusedMultiplyAdd(x0, b0v, s00); s01 = Vector.FusedMultiplyAdd(x0, b1v, s01);
                s10 = Vector.FusedMultiplyAdd(x1, b0v, s10); s11 = Vector.FusedMultiplyAdd(x1, b1v, s11);
                s20 = Vector.FusedMultiplyAdd(x2, b0v, s20); s21 = Vector.FusedMultiplyAdd(x2, b1v, s21);
                s30 = Vector.FusedMultiplyAdd(x3, b0v, s30); s31 = Vector.FusedMultiplyAdd(x3, b1v, s31);
            }
            Store(s00, ref cRow0, col); Store(s01, ref cRow0, col + width);
            Store(s10, ref cRow1, col); Store(s11, ref cRow1, col + width);
            Store(s20, ref cRow2, col); Store(s21, ref cRow2, col + width);
            Store(s30, ref cRow3, col); Store(s31, ref cRow3, col + width);
        }
        for (; col + width <= n; col += width)
        {
            Vector<float> s0 = Load(ref cRow0, col), s1 = Load(ref cRow1, col), s2 = Load(ref cRow2, col), s3 = Load(ref cRow3, col);
            for (int p = 0; p < k; p++)
            {
                Vector<float> bv = Load(ref b0, p * n + col);
                s0 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref aRow0, p)), bv, s0);
                s1 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref aRow1, p)), bv, s1);
                s2 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref aRow2, p)), bv, s2);
                s3 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref aRow3, p)), bv, s3);
            }
            Store(s0, ref cRow0, col); Store(s1, ref cRow1, col); Store(s2, ref cRow2, col); Store(s3, ref cRow3, col);
        }
        for (; col < n; col++)
        {
            float s0 = Unsafe.Add(ref cRow0, col), s1 = Unsafe.Add(ref cRow1, col), s2 = Unsafe.Add(ref cRow2, col), s3 = Unsafe.Add(ref cRow3, col);
            for (int p = 0; p < k; p++)
            {
                float bv = Unsafe.Add(ref b0, p * n + col);
                s0 += Unsafe.Add(ref aRow0, p) * bv; s1 += Unsafe.Add(ref aRow1, p) * bv;
                s2 += Unsafe.Add(ref aRow2, p) * bv; s3 += Unsafe.Add(ref aRow3, p) * bv;
            }
            Unsafe.Add(ref cRow0, col) = s0; Unsafe.Add(ref cRow1, col) = s1;
            Unsafe.Add(ref cRow2, col) = s2; Unsafe.Add(ref cRow3, col) = s3;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void OneRow(ref float a0, ref float b0, ref float c0, int row, int k, int n)
    {
        int width = Vector<float>.Count;
        ref float aRow = ref Unsafe.Add(ref a0, row * k);
        ref float cRow = ref Unsafe.Add(ref c0, row * n);
        int col = 0;
        for (; col + width <= n; col += width)
        {
            Vector<float> s = Load(ref cRow, col);
            for (int p = 0; p < k; p++)
                s = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref aRow, p)), Load(ref b0, p * n + col), s);
            Store(s, ref cRow, col);
        }
        for (; col < n; col++)
        {
            float s = Unsafe.Add(ref cRow, col);
            for (int p = 0; p < k; p++) s += Unsafe.Add(ref aRow, p) * Unsafe.Add(ref b0, p * n + col);
            Unsafe.Add(ref cRow, col) = s;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector<float> Load(ref float origin, int offset) =>
        Unsafe.ReadUnaligned<Vector<float>>(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref origin, offset)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store(Vector<float> value, ref float origin, int offset) =>
        Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref origin, offset)), value);

    static void CheckSizes(ReadOnlySpan<float> a, int aSize, ReadOnlySpan<float> b, int bSize, Span<float> c, int cSize)
    {
        if (a.Length < aSize || b.Length < bSize || c.Length < cSize)
            throw new ArgumentException($"Matrix spans too short: a {a.Length}/{aSize}, b {b.Length}/{bSize}, c {c.Length}/{cSize}.");
    }
}
