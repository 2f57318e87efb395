global using Vector256Kernel = SensorOdl.Learning.Tensors.SimdKernel<SensorOdl.Learning.Tensors.Simd256, System.Runtime.Intrinsics.Vector256<float>>;
global using Vector128Kernel = SensorOdl.Learning.Tensors.SimdKernel<SensorOdl.Learning.Tensors.Simd128, System.Runtime.Intrinsics.Vector128<float>>;
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

    /// <summary>
    /// c: [Rows, Columns] (rows Columns apart) = Σₚ origin[offsets[p] + positions[r]] · panel[p, ·], panel: [k, Columns]
    /// contiguous: a convolution with the output channels across the lanes and six output positions, any six, down the rows.
    /// </summary>
    static abstract void PositionTile(ref float origin, ref int offsets, ref int positions, ref float panel, int k, ref float c);
}

static class MicroKernels
{
    /// <summary>Six rows × two vectors: twelve accumulators, two B vectors and a broadcast fit x64's sixteen registers.</summary>
    public const int Rows = 6;
    public const int MaxColumns = 16;
}

/// <summary>The few vector operations the micro-kernel needs, so one kernel body serves both widths.</summary>
/// <remarks>.NET 10 does not expose <c>ISimdVector</c>; these struct implementations are specialised and inlined
/// by the JIT exactly as the hand-written copies were (bench gemm measured no difference).</remarks>
interface ISimd<TVector> where TVector : struct
{
    static abstract int Count { get; }
    static abstract bool IsAccelerated { get; }
    static abstract TVector Load(ref float source, nuint offset);
    static abstract TVector Broadcast(float value);
    static abstract TVector MultiplyAdd(TVector x, TVector y, TVector sum);
    static abstract TVector Add(TVector x, TVector y);
    static abstract void Store(TVector value, ref float target, nuint offset);
}

/// <summary>256-bit: AVX2 FMA, or multiply then add on CPUs without FMA.</summary>
readonly struct Simd256 : ISimd<Vector256<float>>
{
    public static int Count => 8;
    public static bool IsAccelerated => Vector256.IsHardwareAccelerated;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref float source, nuint offset) => Vector256.LoadUnsafe(ref source, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Broadcast(float value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> x, Vector256<float> y, Vector256<float> sum) =>
        Fma.IsSupported ? Fma.MultiplyAdd(x, y, sum) : x * y + sum;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> x, Vector256<float> y) => x + y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float target, nuint offset) => value.StoreUnsafe(ref target, offset);
}

/// <summary>128-bit: ARM64 AdvSimd FMLA, x64 FMA, or multiply then add.</summary>
readonly struct Simd128 : ISimd<Vector128<float>>
{
    public static int Count => 4;
    public static bool IsAccelerated => Vector128.IsHardwareAccelerated;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(ref float source, nuint offset) => Vector128.LoadUnsafe(ref source, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Broadcast(float value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> x, Vector128<float> y, Vector128<float> sum) =>
        AdvSimd.IsSupported ? AdvSimd.FusedMultiplyAdd(sum, x, y)
        : Fma.IsSupported ? Fma.MultiplyAdd(x, y, sum)
        : x * y + sum;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> x, Vector128<float> y) => x + y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, ref float target, nuint offset) => value.StoreUnsafe(ref target, offset);
}

/// <summary>
/// The one micro-kernel body: six rows × two vectors of <typeparamref name="TSimd"/>'s width, twelve accumulators —
/// <see cref="Vector256Kernel"/> (6 × 16) and <see cref="Vector128Kernel"/> (6 × 8: the ARM64 path with AdvSimd FMLA,
/// also run on x64 by the tests).
/// </summary>
readonly struct SimdKernel<TSimd, TVector> : IMicroKernel where TSimd : ISimd<TVector> where TVector : struct
{
    public static int Columns => 2 * TSimd.Count;
    public static bool IsAccelerated => TSimd.IsAccelerated;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(ref float sliver, ref float panel, nint panelStride, int k, ref float c, nint ldc, bool accumulate)
    {
        TVector c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        TVector c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        nuint half = (nuint)TSimd.Count;
        ref float a = ref sliver;
        ref float b = ref panel;
        for (int p = 0; p < k; p++)
        {
            TVector b0 = TSimd.Load(ref b, 0), b1 = TSimd.Load(ref b, half);
            TVector x = TSimd.Broadcast(a);
            c00 = TSimd.MultiplyAdd(x, b0, c00); c01 = TSimd.MultiplyAdd(x, b1, c01);
            x = TSimd.Broadcast(Unsafe.Add(ref a, 1));
            c10 = TSimd.MultiplyAdd(x, b0, c10); c11 = TSimd.MultiplyAdd(x, b1, c11);
            x = TSimd.Broadcast(Unsafe.Add(ref a, 2));
            c20 = TSimd.MultiplyAdd(x, b0, c20); c21 = TSimd.MultiplyAdd(x, b1, c21);
            x = TSimd.Broadcast(Unsafe.Add(ref a, 3));
            c30 = TSimd.MultiplyAdd(x, b0, c30); c31 = TSimd.MultiplyAdd(x, b1, c31);
            x = TSimd.Broadcast(Unsafe.Add(ref a, 4));
            c40 = TSimd.MultiplyAdd(x, b0, c40); c41 = TSimd.MultiplyAdd(x, b1, c41);
            x = TSimd.Broadcast(Unsafe.Add(ref a, 5));
            c50 = TSimd.MultiplyAdd(x, b0, c50); c51 = TSimd.MultiplyAdd(x, b1, c51);
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
        TVector c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        TVector c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        nuint half = (nuint)TSimd.Count;
        ref float a = ref sliver;
        for (int p = 0; p < k; p++)
        {
            ref float b = ref Unsafe.Add(ref origin, Unsafe.Add(ref offsets, p));
            TVector b0 = TSimd.Load(ref b, 0), b1 = TSimd.Load(ref b, half);
            TVector x = TSimd.Broadcast(a);
            c00 = TSimd.MultiplyAdd(x, b0, c00); c01 = TSimd.MultiplyAdd(x, b1, c01);
            x = TSimd.Broadcast(Unsafe.Add(ref a, 1));
            c10 = TSimd.MultiplyAdd(x, b0, c10); c11 = TSimd.MultiplyAdd(x, b1, c11);
            x = TSimd.Broadcast(Unsafe.Add(ref a, 2));
            c20 = TSimd.MultiplyAdd(x, b0, c20); c21 = TSimd.MultiplyAdd(x, b1, c21);
            x = TSimd.Broadcast(Unsafe.Add(ref a, 3));
            c30 = TSimd.MultiplyAdd(x, b0, c30); c31 = TSimd.MultiplyAdd(x, b1, c31);
            x = TSimd.Broadcast(Unsafe.Add(ref a, 4));
            c40 = TSimd.MultiplyAdd(x, b0, c40); c41 = TSimd.MultiplyAdd(x, b1, c41);
            x = TSimd.Broadcast(Unsafe.Add(ref a, 5));
            c50 = TSimd.MultiplyAdd(x, b0, c50); c51 = TSimd.MultiplyAdd(x, b1, c51);
            a = ref Unsafe.Add(ref a, MicroKernels.Rows);
        }
        Store(c00, c01, ref c, false);
        Store(c10, c11, ref Unsafe.Add(ref c, ldc), false);
        Store(c20, c21, ref Unsafe.Add(ref c, 2 * ldc), false);
        Store(c30, c31, ref Unsafe.Add(ref c, 3 * ldc), false);
        Store(c40, c41, ref Unsafe.Add(ref c, 4 * ldc), false);
        Store(c50, c51, ref Unsafe.Add(ref c, 5 * ldc), false);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PositionTile(ref float origin, ref int offsets, ref int positions, ref float panel, int k, ref float c)
    {
        TVector c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        TVector c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        nuint half = (nuint)TSimd.Count;
        nint r0 = positions, r1 = Unsafe.Add(ref positions, 1), r2 = Unsafe.Add(ref positions, 2);
        nint r3 = Unsafe.Add(ref positions, 3), r4 = Unsafe.Add(ref positions, 4), r5 = Unsafe.Add(ref positions, 5);
        ref float b = ref panel;
        nint columns = Columns;
        for (int p = 0; p < k; p++)
        {
            ref float tap = ref Unsafe.Add(ref origin, Unsafe.Add(ref offsets, p));
            TVector b0 = TSimd.Load(ref b, 0), b1 = TSimd.Load(ref b, half);
            TVector x = TSimd.Broadcast(Unsafe.Add(ref tap, r0));
            c00 = TSimd.MultiplyAdd(x, b0, c00); c01 = TSimd.MultiplyAdd(x, b1, c01);
            x = TSimd.Broadcast(Unsafe.Add(ref tap, r1));
            c10 = TSimd.MultiplyAdd(x, b0, c10); c11 = TSimd.MultiplyAdd(x, b1, c11);
            x = TSimd.Broadcast(Unsafe.Add(ref tap, r2));
            c20 = TSimd.MultiplyAdd(x, b0, c20); c21 = TSimd.MultiplyAdd(x, b1, c21);
            x = TSimd.Broadcast(Unsafe.Add(ref tap, r3));
            c30 = TSimd.MultiplyAdd(x, b0, c30); c31 = TSimd.MultiplyAdd(x, b1, c31);
            x = TSimd.Broadcast(Unsafe.Add(ref tap, r4));
            c40 = TSimd.MultiplyAdd(x, b0, c40); c41 = TSimd.MultiplyAdd(x, b1, c41);
            x = TSimd.Broadcast(Unsafe.Add(ref tap, r5));
            c50 = TSimd.MultiplyAdd(x, b0, c50); c51 = TSimd.MultiplyAdd(x, b1, c51);
            b = ref Unsafe.Add(ref b, columns);
        }
        Store(c00, c01, ref c, false);
        Store(c10, c11, ref Unsafe.Add(ref c, columns), false);
        Store(c20, c21, ref Unsafe.Add(ref c, 2 * columns), false);
        Store(c30, c31, ref Unsafe.Add(ref c, 3 * columns), false);
        Store(c40, c41, ref Unsafe.Add(ref c, 4 * columns), false);
        Store(c50, c51, ref Unsafe.Add(ref c, 5 * columns), false);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store(TVector left, TVector right, ref float row, bool accumulate)
    {
        nuint half = (nuint)TSimd.Count;
        if (accumulate)
        {
            left = TSimd.Add(left, TSimd.Load(ref row, 0));
            right = TSimd.Add(right, TSimd.Load(ref row, half));
        }
        TSimd.Store(left, ref row, 0);
        TSimd.Store(right, ref row, half);
    }
}
