namespace SensorOdl.Drivers.Features;

/// <summary>
/// FFT of N real samples through one N/2-point complex FFT: pack even/odd samples as real/imaginary parts, transform,
/// then split with X[k] = E[k] + W^k·O[k] (W = e^{−2πi/N}). About half the work of a complex FFT of the same size.
/// No allocation per call.
/// </summary>
public sealed class RealFft
{
    private readonly Fft _half;
    private readonly float[] _zr;
    private readonly float[] _zi;
    private readonly float[] _cos;
    private readonly float[] _sin;

    public RealFft(int size)
    {
        if (size < 4 || (size & (size - 1)) != 0)
            throw new ArgumentException($"FFT size must be a power of two of at least 4, not {size}.", nameof(size));
        Size = size;
        int m = size / 2;
        _half = new Fft(m);
        _zr = new float[m];
        _zi = new float[m];
        _cos = new float[m + 1];
        _sin = new float[m + 1];
        for (int k = 0; k <= m; k++)
        {
            _cos[k] = (float)Math.Cos(2 * Math.PI * k / size);
            _sin[k] = (float)-Math.Sin(2 * Math.PI * k / size);
        }
    }

    public int Size { get; }

    // x: [Size] real samples  re, im: [Size/2 + 1] spectrum X_0 … X_{N/2} (unscaled)
    public void Forward(ReadOnlySpan<float> x, Span<float> re, Span<float> im)
    {
        int m = Size / 2;
        if (x.Length != Size || re.Length < m + 1 || im.Length < m + 1)
            throw new ArgumentException($"Expected {Size} samples and {m + 1}-value outputs.");
        for (int n = 0; n < m; n++)
        {
            _zr[n] = x[2 * n];
            _zi[n] = x[2 * n + 1];
        }
        _half.Forward(_zr, _zi);
        for (int k = 0; k <= m; k++)
        {
            int a = k == m ? 0 : k, b = k == 0 ? 0 : m - k;
            float zr = _zr[a], zi = _zi[a], cr = _zr[b], ci = -_zi[b]; // Z[k], conj(Z[M−k])
            float er = 0.5f * (zr + cr), ei = 0.5f * (zi + ci);
            float dr = zr - cr, di = zi - ci;
            float or = 0.5f * di, oi = -0.5f * dr; // (Z[k] − conj(Z[M−k])) / 2i
            float wr = _cos[k], wi = _sin[k];
            re[k] = er + wr * or - wi * oi;
            im[k] = ei + wr * oi + wi * or;
        }
    }
}
