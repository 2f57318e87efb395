using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SensorOdl.Drivers.Features;

/// <summary>
/// In-place iterative radix-2 complex FFT on float spans, with the bit-reversal permutation and the twiddle
/// factors precomputed for one size. No allocation per call.
/// </summary>
/// <remarks>
/// Why not FftSharp (which the tests and the benchmark use as the reference): FftSharp 2.2.0 works on
/// <c>System.Numerics.Complex</c> (double) and calls Math.Cos/Math.Sin inside every butterfly, which the
/// benchmark (docs/benchmarks-drivers.md) shows to be several times slower than this table-driven float
/// version for a 1,024-point window. The tests prove the two agree. <see cref="RealFft"/> builds on this one for real
/// input, which is what <see cref="FeatureExtractor"/> uses.
/// </remarks>
public sealed class Fft
{
    private readonly int[] _bitReversed;
    private readonly float[] _cos;
    private readonly float[] _sin;

    public Fft(int size)
    {
        if (size < 2 || (size & (size - 1)) != 0)
            throw new ArgumentException($"FFT size must be a power of two, not {size}.", nameof(size));
        Size = size;
        int bits = System.Numerics.BitOperations.Log2((uint)size);
        _bitReversed = new int[size];
        for (int i = 0; i < size; i++)
        {
            int r = 0;
            for (int b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
            _bitReversed[i] = r;
        }
        _cos = new float[size / 2];
        _sin = new float[size / 2];
        for (int k = 0; k < size / 2; k++)
        {
            _cos[k] = (float)Math.Cos(2 * Math.PI * k / size);
            _sin[k] = (float)-Math.Sin(2 * Math.PI * k / size);
        }
    }

    public int Size { get; }

    // re, im: [Size] in time order -> [Size] spectrum X_k = Σ x_n e^{-2πi kn/N} (unscaled)
    public void Forward(Span<float> re, Span<float> im)
    {
        if (re.Length != Size || im.Length != Size)
            throw new ArgumentException($"FFT buffers must hold {Size} values.");
        for (int i = 0; i < Size; i++)
        {
            int j = _bitReversed[i];
            if (j > i)
            {
                (re[i], re[j]) = (re[j], re[i]);
                (im[i], im[j]) = (im[j], im[i]);
            }
        }
        ref float r = ref MemoryMarshal.GetReference(re);
        ref float m = ref MemoryMarshal.GetReference(im);
        ref float cos = ref MemoryMarshal.GetArrayDataReference(_cos);
        ref float sin = ref MemoryMarshal.GetArrayDataReference(_sin);
        for (int half = 1; half < Size; half <<= 1)
        {
            int step = Size / (half << 1);
            for (int start = 0; start < Size; start += half << 1)
            {
                for (int k = 0, t = 0; k < half; k++, t += step)
                {
                    int even = start + k, odd = even + half;
                    float wr = Unsafe.Add(ref cos, t), wi = Unsafe.Add(ref sin, t);
                    ref float oddRe = ref Unsafe.Add(ref r, odd);
                    ref float oddIm = ref Unsafe.Add(ref m, odd);
                    ref float evenRe = ref Unsafe.Add(ref r, even);
                    ref float evenIm = ref Unsafe.Add(ref m, even);
                    float tr = oddRe * wr - oddIm * wi;
                    float ti = oddRe * wi + oddIm * wr;
                    oddRe = evenRe - tr;
                    oddIm = evenIm - ti;
                    evenRe += tr;
                    evenIm += ti;
                }
            }
        }
    }
}
