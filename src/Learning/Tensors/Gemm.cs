using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SensorOdl.Learning.Tensors;

/// <summary>
/// Single-precision matrix products, row-major, single-threaded. The shapes in each signature are the
/// contract; <see cref="ReferenceGemm"/> is the plain version every kernel is tested against.
/// All three variants share one design: A is packed into 6-row slivers ([k, 6], zero-padded), B is read in
/// place or, when transposed or at a ragged right edge, packed into [k, 2 vectors] panels, and a register-blocked
/// micro-kernel (<see cref="MicroKernels"/>) keeps a 6 × 2-vector tile of c in twelve registers.
/// </summary>
public static class Gemm
{
    /// <summary>Narrower outputs than this go through plain loops: packing would cost more than it saves.</summary>
    const int NarrowOutput = 8;
    /// <summary>From this inner length a narrow a · bᵀ (an adapter's down-projection: k = the layer width, n = the rank) is a vector dot product per output.</summary>
    const int LongDot = 16;

    [ThreadStatic] static float[]? t_packedA;
    [ThreadStatic] static float[]? t_packedB;

    /// <summary>The kernel <see cref="GemmKernel.Auto"/> picks on this machine.</summary>
    public static GemmKernel Best =>
        Vector256Kernel.IsAccelerated ? GemmKernel.Vector256 : Vector128Kernel.IsAccelerated ? GemmKernel.Vector128 : GemmKernel.Scalar;

    /// <summary>Whether the kernel runs in hardware here (a software-emulated vector path is refused).</summary>
    public static bool IsSupported(GemmKernel kernel) => kernel switch
    {
        GemmKernel.Vector256 => Vector256Kernel.IsAccelerated,
        GemmKernel.Vector128 => Vector128Kernel.IsAccelerated,
        _ => true,
    };

    /// <summary>c: [m, n] (+)= a: [m, k] · b: [k, n]</summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n,
        bool accumulate = false, GemmKernel kernel = GemmKernel.Auto)
    {
        CheckSizes(a, m * k, b, k * n, c, m * n);
        Run(kernel, a, false, b, false, c, m, k, n, accumulate);
    }

    /// <summary>c: [m, n] (+)= a: [m, k] · bᵀ where b: [n, k]</summary>
    public static void MultiplyTransposedB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n,
        bool accumulate = false, GemmKernel kernel = GemmKernel.Auto)
    {
        CheckSizes(a, m * k, b, n * k, c, m * n);
        Run(kernel, a, false, b, true, c, m, k, n, accumulate);
    }

    /// <summary>c: [m, n] (+)= aᵀ · b where a: [k, m], b: [k, n]</summary>
    public static void MultiplyTransposedA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n,
        bool accumulate = false, GemmKernel kernel = GemmKernel.Auto)
    {
        CheckSizes(a, k * m, b, k * n, c, m * n);
        Run(kernel, a, true, b, false, c, m, k, n, accumulate);
    }

    static void Run(GemmKernel kernel, ReadOnlySpan<float> a, bool aTransposed, ReadOnlySpan<float> b, bool bTransposed,
        Span<float> c, int m, int k, int n, bool accumulate)
    {
        if (kernel == GemmKernel.Auto) kernel = Best;
        else if (!IsSupported(kernel)) throw new NotSupportedException($"The {kernel} GEMM kernel is not accelerated on this machine.");
        if (m == 0 || n == 0) return;
        if (kernel != GemmKernel.Scalar && n < NarrowOutput && bTransposed && !aTransposed && k >= LongDot)
            Dots(a, b, c, m, k, n, accumulate);
        else if (kernel == GemmKernel.Scalar || n < NarrowOutput || k == 0)
            Plain(a, aTransposed, b, bTransposed, c, m, k, n, accumulate);
        else if (kernel == GemmKernel.Vector256)
            Blocked<Vector256Kernel>(a, aTransposed, b, bTransposed, c, m, k, n, accumulate);
        else
            Blocked<Vector128Kernel>(a, aTransposed, b, bTransposed, c, m, k, n, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Blocked<TKernel>(ReadOnlySpan<float> a, bool aTransposed, ReadOnlySpan<float> b, bool bTransposed,
        Span<float> c, int m, int k, int n, bool accumulate) where TKernel : IMicroKernel
    {
        const int rows = MicroKernels.Rows;
        int columns = TKernel.Columns;
        int slivers = (m + rows - 1) / rows;
        float[] packedA = Buffer(ref t_packedA, slivers * k * rows);
        float[] packedB = Buffer(ref t_packedB, k * columns);
        PackA(a, aTransposed, packedA, m, k);
        ref float b0 = ref MemoryMarshal.GetReference(b);
        ref float c0 = ref MemoryMarshal.GetReference(c);
        Span<float> edge = stackalloc float[rows * MicroKernels.MaxColumns];
        for (int j0 = 0; j0 < n; j0 += columns)
        {
            int width = Math.Min(columns, n - j0);
            ref float panel = ref packedB[0];
            nint panelStride = columns;
            if (!bTransposed && width == columns)
            {
                // Read in place: at LeNet's sizes B stays in L2, and packing it cost more than it saved (bench gemm).
                panel = ref Unsafe.Add(ref b0, j0);
                panelStride = n;
            }
            else PackB(b, bTransposed, packedB, k, n, j0, width, columns);
            for (int s = 0; s < slivers; s++)
            {
                int i0 = s * rows, height = Math.Min(rows, m - i0);
                ref float sliver = ref packedA[s * k * rows];
                if (height == rows && width == columns)
                {
                    TKernel.Tile(ref sliver, ref panel, panelStride, k, ref Unsafe.Add(ref c0, i0 * n + j0), n, accumulate);
                    continue;
                }
                TKernel.Tile(ref sliver, ref panel, panelStride, k, ref edge[0], columns, accumulate: false);
                for (int r = 0; r < height; r++)
                {
                    Span<float> source = edge.Slice(r * columns, width), target = c.Slice((i0 + r) * n + j0, width);
                    if (accumulate) System.Numerics.Tensors.TensorPrimitives.Add(target, source, target);
                    else source.CopyTo(target);
                }
            }
        }
    }

    // packed: [sliver][k][Rows], rows past m zero, so every tile runs the full micro-kernel.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void PackA(ReadOnlySpan<float> a, bool transposed, float[] packed, int m, int k)
    {
        const int rows = MicroKernels.Rows;
        int slivers = (m + rows - 1) / rows;
        if (a.Length < m * k || packed.Length < slivers * k * rows) throw new ArgumentException("Spans too short to pack.");
        ref float source = ref MemoryMarshal.GetReference(a);
        for (int s = 0; s < slivers; s++)
        {
            ref float sliver = ref packed[s * k * rows];
            for (int r = 0; r < rows; r++)
            {
                int i = s * rows + r;
                ref float target = ref Unsafe.Add(ref sliver, r);
                if (i >= m)
                    for (int p = 0; p < k; p++) Unsafe.Add(ref target, p * rows) = 0f;
                else if (transposed)
                    for (int p = 0; p < k; p++) Unsafe.Add(ref target, p * rows) = Unsafe.Add(ref source, p * m + i);
                else
                {
                    ref float row = ref Unsafe.Add(ref source, i * k);
                    for (int p = 0; p < k; p++) Unsafe.Add(ref target, p * rows) = Unsafe.Add(ref row, p);
                }
            }
        }
    }

    // packed: [k][columns] holding b's columns j0 … j0 + width, zero beyond width.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void PackB(ReadOnlySpan<float> b, bool transposed, float[] packed, int k, int n, int j0, int width, int columns)
    {
        if (b.Length < k * n || packed.Length < k * columns || j0 + width > n) throw new ArgumentException("Spans too short to pack.");
        if (width < columns) Array.Clear(packed, 0, k * columns);
        if (transposed)
        {
            ref float target = ref packed[0];
            for (int j = 0; j < width; j++)
            {
                ref float column = ref Unsafe.Add(ref MemoryMarshal.GetReference(b), (j0 + j) * k);
                ref float lane = ref Unsafe.Add(ref target, j);
                for (int p = 0; p < k; p++) Unsafe.Add(ref lane, p * columns) = Unsafe.Add(ref column, p);
            }
            return;
        }
        for (int p = 0; p < k; p++) b.Slice(p * n + j0, width).CopyTo(packed.AsSpan(p * columns, width));
    }

    // Narrow outputs (adapter ranks, the logits) and the scalar kernel.
    /// <summary>c: [m, n] (+)= a: [m, k] · bᵀ, b: [n, k], one vectorised dot product per output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Dots(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate)
    {
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<float> aRow = a.Slice(i * k, k);
            for (int j = 0; j < n; j++)
            {
                float dot = System.Numerics.Tensors.TensorPrimitives.Dot(aRow, b.Slice(j * k, k));
                c[i * n + j] = accumulate ? c[i * n + j] + dot : dot;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Plain(ReadOnlySpan<float> a, bool aTransposed, ReadOnlySpan<float> b, bool bTransposed,
        Span<float> c, int m, int k, int n, bool accumulate)
    {
        for (int i = 0; i < m; i++)
        {
            Span<float> cRow = c.Slice(i * n, n);
            if (!accumulate) cRow.Clear();
            if (bTransposed)
            {
                for (int j = 0; j < n; j++)
                {
                    float sum = 0f;
                    for (int p = 0; p < k; p++) sum += (aTransposed ? a[p * m + i] : a[i * k + p]) * b[j * k + p];
                    cRow[j] += sum;
                }
                continue;
            }
            for (int p = 0; p < k; p++)
            {
                float scale = aTransposed ? a[p * m + i] : a[i * k + p];
                ReadOnlySpan<float> bRow = b.Slice(p * n, n);
                for (int j = 0; j < n; j++) cRow[j] += scale * bRow[j];
            }
        }
    }

    internal static float[] Buffer(ref float[]? buffer, int size)
    {
        if (buffer is null || buffer.Length < size) buffer = new float[Math.Max(size, 1)];
        return buffer;
    }

    static void CheckSizes(ReadOnlySpan<float> a, int aSize, ReadOnlySpan<float> b, int bSize, Span<float> c, int cSize)
    {
        if (a.Length < aSize || b.Length < bSize || c.Length < cSize)
            throw new ArgumentException($"Matrix spans too short: a {a.Length}/{aSize}, b {b.Length}/{bSize}, c {c.Length}/{cSize}.");
    }
}

/// <summary>Which micro-kernel <see cref="Gemm"/> runs; <see cref="Auto"/> = <see cref="Gemm.Best"/>.</summary>
public enum GemmKernel
{
    Auto,
    /// <summary>6 × 16 tiles, 256-bit vectors, FMA where the CPU has it (x64 AVX2).</summary>
    Vector256,
    /// <summary>6 × 8 tiles, 128-bit vectors (ARM64 AdvSimd, or SSE on x64), fused multiply-add where available.</summary>
    Vector128,
    /// <summary>Plain loops, for CPUs without vector units.</summary>
    Scalar,
}
