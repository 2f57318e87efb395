using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace SensorOdl.Learning.Tensors;

/// <summary>
/// One register tile of <see cref="Gemm"/>: c: [Rows, Columns] (+)= sliver: [k, Rows] · panel: [k, Columns]
/// (panel rows <c>panelStride</c> apart), with c's rows <c>ldc</c> apart.
/// </summary>
interface IMicroKernel
{
    static abstract int Columns { get; }
    static abstract bool IsAccelerated { get; }
    static abstract void Tile(ref float sliver, ref float panel, nint panelStride, int k, ref float c, nint ldc, bool accumulate);

    /// <summary>As <see cref="Tile"/> with panel row p at <c>origin + offsets[p]</c> (a convolution's taps; overwrites c).</summary>
    static abstract void GatheredTile(ref float sliver, ref float origin, ref int offsets, int k, ref float c, nint ldc);
}

static class MicroKernels
{
    /// <summary>Six rows × two vectors: twelve accumulators, two B vectors and a broadcast fit x64's sixteen registers.</summary>
    public const int Rows = 6;
    public const int MaxColumns = 16;
}

/// <summary>6 × 16 with <see cref="Vector256{T}"/>: AVX2 FMA, or multiply then add on CPUs without FMA.</summary>
readonly struct Vector256Kernel : IMicroKernel
{
    public static int Columns => 16;
    public static bool IsAccelerated => Vector256.IsHardwareAccelerated;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> MultiplyAdd(Vector256<float> x, Vector256<float> y, Vector256<float> sum) =>
        Fma.IsSupported ? Fma.MultiplyAdd(x, y, sum) : x * y + sum;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(ref float sliver, ref float panel, nint panelStride, int k, ref float c, nint ldc, bool accumulate)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        ref float a = ref sliver;
        ref float b = ref panel;
        for (int p = 0; p < k; p++)
        {
            Vector256<float> b0 = Vector256.LoadUnsafe(ref b), b1 = Vector256.LoadUnsafe(ref b, 8);
            Vector256<float> x = Vector256.Create(a);
            c00 = MultiplyAdd(x, b0, c00); c01 = MultiplyAdd(x, b1, c01);
            x = Vector256.Create(Unsafe.Add(ref a, 1));
            c10 = MultiplyAdd(x, b0, c10); c11 = MultiplyAdd(x, b1, c11);
            x = Vector256.Create(Unsafe.Add(ref a, 2));
            c20 = MultiplyAdd(x, b0, c20); c21 = MultiplyAdd(x, b1, c21);
            x = Vector256.Create(Unsafe.Add(ref a, 3));
            c30 = MultiplyAdd(x, b0, c30); c31 = MultiplyAdd(x, b1, c31);
            x = Vector256.Create(Unsafe.Add(ref a, 4));
            c40 = MultiplyAdd(x, b0, c40); c41 = MultiplyAdd(x, b1, c41);
            x = Vector256.Create(Unsafe.Add(ref a, 5));
            c50 = MultiplyAdd(x, b0, c50); c51 = MultiplyAdd(x, b1, c51);
            a = ref Unsafe.Add(ref a, MicroKernels.Rows);
            b = ref Unsafe.Add(ref b, panelStride);
        }
        Store(c00, c01, ref c, accumulate);
        Store(c10, c11, ref Unsafe.Add(ref c, ldc), accumulate);
        Store(c20, c21, ref Unsafe.Add(ref c, 2 * ldc), accumulate);
        Store(c30, c31, ref Unsafe.Add(ref c, 3 * ldc), accumulate);
        Store(c40, c41, ref Unsafe.Add(ref c, 4 * ldc), accumulate);
        Store(c50, c51, ref Unsafe.Add(ref c, 5 * ldc), accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GatheredTile(ref float sliver, ref float origin, ref int offsets, int k, ref float c, nint ldc)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        ref float a = ref sliver;
        for (int p = 0; p < k; p++)
        {
            ref float b = ref Unsafe.Add(ref origin, Unsafe.Add(ref offsets, p));
            Vector256<float> b0 = Vector256.LoadUnsafe(ref b), b1 = Vector256.LoadUnsafe(ref b, 8);
            Vector256<float> x = Vector256.Create(a);
            c00 = MultiplyAdd(x, b0, c00); c01 = MultiplyAdd(x, b1, c01);
            x = Vector256.Create(Unsafe.Add(ref a, 1));
            c10 = MultiplyAdd(x, b0, c10); c11 = MultiplyAdd(x, b1, c11);
            x = Vector256.Create(Unsafe.Add(ref a, 2));
            c20 = MultiplyAdd(x, b0, c20); c21 = MultiplyAdd(x, b1, c21);
            x = Vector256.Create(Unsafe.Add(ref a, 3));
            c30 = MultiplyAdd(x, b0, c30); c31 = MultiplyAdd(x, b1, c31);
            x = Vector256.Create(Unsafe.Add(ref a, 4));
            c40 = MultiplyAdd(x, b0, c40); c41 = MultiplyAdd(x, b1, c41);
            x = Vector256.Create(Unsafe.Add(ref a, 5));
            c50 = MultiplyAdd(x, b0, c50); c51 = MultiplyAdd(x, b1, c51);
            a = ref Unsafe.Add(ref a, MicroKernels.Rows);
        }
        Store(c00, c01, ref c, false);
        Store(c10, c11, ref Unsafe.Add(ref c, ldc), false);
        Store(c20, c21, ref Unsafe.Add(ref c, 2 * ldc), false);
        Store(c30, c31, ref Unsafe.Add(ref c, 3 * ldc), false);
        Store(c40, c41, ref Unsafe.Add(ref c, 4 * ldc), false);
        Store(c50, c51, ref Unsafe.Add(ref c, 5 * ldc), false);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store(Vector256<float> left, Vector256<float> right, ref float row, bool accumulate)
    {
        if (accumulate)
        {
            left += Vector256.LoadUnsafe(ref row);
            right += Vector256.LoadUnsafe(ref row, 8);
        }
        left.StoreUnsafe(ref row);
        right.StoreUnsafe(ref row, 8);
    }
}

/// <summary>6 × 8 with <see cref="Vector128{T}"/>: ARM64 AdvSimd FMLA, x64 FMA, or multiply then add.</summary>
readonly struct Vector128Kernel : IMicroKernel
{
    public static int Columns => 8;
    public static bool IsAccelerated => Vector128.IsHardwareAccelerated;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector128<float> MultiplyAdd(Vector128<float> x, Vector128<float> y, Vector128<float> sum) =>
        AdvSimd.IsSupported ? AdvSimd.FusedMultiplyAdd(sum, x, y)
        : Fma.IsSupported ? Fma.MultiplyAdd(x, y, sum)
        : x * y + sum;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(ref float sliver, ref float panel, nint panelStride, int k, ref float c, nint ldc, bool accumulate)
    {
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector128<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        ref float a = ref sliver;
        ref float b = ref panel;
        for (int p = 0; p < k; p++)
        {
            Vector128<float> b0 = Vector128.LoadUnsafe(ref b), b1 = Vector128.LoadUnsafe(ref b, 4);
            Vector128<float> x = Vector128.Create(a);
            c00 = MultiplyAdd(x, b0, c00); c01 = MultiplyAdd(x, b1, c01);
            x = Vector128.Create(Unsafe.Add(ref a, 1));
            c10 = MultiplyAdd(x, b0, c10); c11 = MultiplyAdd(x, b1, c11);
            x = Vector128.Create(Unsafe.Add(ref a, 2));
            c20 = MultiplyAdd(x, b0, c20); c21 = MultiplyAdd(x, b1, c21);
            x = Vector128.Create(Unsafe.Add(ref a, 3));
            c30 = MultiplyAdd(x, b0, c30); c31 = MultiplyAdd(x, b1, c31);
            x = Vector128.Create(Unsafe.Add(ref a, 4));
            c40 = MultiplyAdd(x, b0, c40); c41 = MultiplyAdd(x, b1, c41);
            x = Vector128.Create(Unsafe.Add(ref a, 5));
            c50 = MultiplyAdd(x, b0, c50); c51 = MultiplyAdd(x, b1, c51);
            a = ref Unsafe.Add(ref a, MicroKernels.Rows);
            b = ref Unsafe.Add(ref b, panelStride);
        }
        Store(c00, c01, ref c, accumulate);
        Store(c10, c11, ref Unsafe.Add(ref c, ldc), accumulate);
        Store(c20, c21, ref Unsafe.Add(ref c, 2 * ldc), accumulate);
        Store(c30, c31, ref Unsafe.Add(ref c, 3 * ldc), accumulate);
        Store(c40, c41, ref Unsafe.Add(ref c, 4 * ldc), accumulate);
        Store(c50, c51, ref Unsafe.Add(ref c, 5 * ldc), accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GatheredTile(ref float sliver, ref float origin, ref int offsets, int k, ref float c, nint ldc)
    {
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector128<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        ref float a = ref sliver;
        for (int p = 0; p < k; p++)
        {
            ref float b = ref Unsafe.Add(ref origin, Unsafe.Add(ref offsets, p));
            Vector128<float> b0 = Vector128.LoadUnsafe(ref b), b1 = Vector128.LoadUnsafe(ref b, 4);
            Vector128<float> x = Vector128.Create(a);
            c00 = MultiplyAdd(x, b0, c00); c01 = MultiplyAdd(x, b1, c01);
            x = Vector128.Create(Unsafe.Add(ref a, 1));
            c10 = MultiplyAdd(x, b0, c10); c11 = MultiplyAdd(x, b1, c11);
            x = Vector128.Create(Unsafe.Add(ref a, 2));
            c20 = MultiplyAdd(x, b0, c20); c21 = MultiplyAdd(x, b1, c21);
            x = Vector128.Create(Unsafe.Add(ref a, 3));
            c30 = MultiplyAdd(x, b0, c30); c31 = MultiplyAdd(x, b1, c31);
            x = Vector128.Create(Unsafe.Add(ref a, 4));
            c40 = MultiplyAdd(x, b0, c40); c41 = MultiplyAdd(x, b1, c41);
            x = Vector128.Create(Unsafe.Add(ref a, 5));
            c50 = MultiplyAdd(x, b0, c50); c51 = MultiplyAdd(x, b1, c51);
            a = ref Unsafe.Add(ref a, MicroKernels.Rows);
        }
        Store(c00, c01, ref c, false);
        Store(c10, c11, ref Unsafe.Add(ref c, ldc), false);
        Store(c20, c21, ref Unsafe.Add(ref c, 2 * ldc), false);
        Store(c30, c31, ref Unsafe.Add(ref c, 3 * ldc), false);
        Store(c40, c41, ref Unsafe.Add(ref c, 4 * ldc), false);
        Store(c50, c51, ref Unsafe.Add(ref c, 5 * ldc), false);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store(Vector128<float> left, Vector128<float> right, ref float row, bool accumulate)
    {
        if (accumulate)
        {
            left += Vector128.LoadUnsafe(ref row);
            right += Vector128.LoadUnsafe(ref row, 4);
        }
        left.StoreUnsafe(ref row);
        right.StoreUnsafe(ref row, 4);
    }
}
