namespace SensorOdl.Drivers.Features;

/// <summary>
/// Log-spaced frequency bands mapped onto FFT bins: band b spans [MinHz·r^b, MinHz·r^(b+1)), r = (MaxHz/MinHz)^(1/B).
/// A band narrower than a bin takes the bin nearest its centre, so no band is ever empty.
/// </summary>
public sealed class LogBands
{
    private readonly int[] _firstBin;
    private readonly int[] _endBin;

    public LogBands(int bandCount, double minHz, double maxHz, double binHz, int binCount)
    {
        _firstBin = new int[bandCount];
        _endBin = new int[bandCount];
        var edges = new double[bandCount + 1];
        double ratio = Math.Pow(maxHz / minHz, 1.0 / bandCount);
        for (int b = 0; b <= bandCount; b++) edges[b] = minHz * Math.Pow(ratio, b);
        for (int b = 0; b < bandCount; b++)
        {
            int first = Math.Max(1, (int)Math.Ceiling(edges[b] / binHz - 1e-9));
            int end = Math.Min(binCount, (int)Math.Ceiling(edges[b + 1] / binHz - 1e-9));
            if (b == bandCount - 1) end = Math.Min(binCount, (int)Math.Floor(edges[b + 1] / binHz + 1e-9) + 1);
            if (end <= first)
            {
                int centre = (int)Math.Round(Math.Sqrt(edges[b] * edges[b + 1]) / binHz);
                first = Math.Clamp(centre, 1, binCount - 1);
                end = first + 1;
            }
            _firstBin[b] = first;
            _endBin[b] = end;
        }
        LowerEdgesHz = edges[..^1];
        UpperEdgesHz = edges[1..];
    }

    public int Count => _firstBin.Length;
    public IReadOnlyList<double> LowerEdgesHz { get; }
    public IReadOnlyList<double> UpperEdgesHz { get; }
    public (int First, int End) Bins(int band) => (_firstBin[band], _endBin[band]);

    // amplitudes: [bins] amplitude spectrum  bands: [Count] log10(power in band)
    // power of a bin = amplitude² / 2 / enbw (a sine of amplitude A contributes A²/2 in total).
    public void Reduce(ReadOnlySpan<float> amplitudes, double enbwBins, Span<float> bands)
    {
        double scale = 0.5 / enbwBins;
        for (int b = 0; b < _firstBin.Length; b++)
        {
            double power = 0;
            int end = Math.Min(_endBin[b], amplitudes.Length);
            for (int k = _firstBin[b]; k < end; k++) power += (double)amplitudes[k] * amplitudes[k];
            bands[b] = (float)Math.Log10(power * scale + 1e-12);
        }
    }
}
