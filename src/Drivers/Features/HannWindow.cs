namespace SensorOdl.Drivers.Features;

/// <summary>Periodic Hann window w[i] = 0.5 (1 − cos(2π i / N)), precomputed once.</summary>
public sealed class HannWindow
{
    private readonly float[] _coefficients;

    public HannWindow(int size)
    {
        _coefficients = new float[size];
        double sum = 0, sumSquares = 0;
        for (int i = 0; i < size; i++)
        {
            double w = 0.5 * (1 - Math.Cos(2 * Math.PI * i / size));
            _coefficients[i] = (float)w;
            sum += w;
            sumSquares += w * w;
        }
        CoherentGain = sum / size;
        EquivalentNoiseBandwidthBins = size * sumSquares / (sum * sum);
    }

    public int Size => _coefficients.Length;
    public ReadOnlySpan<float> Coefficients => _coefficients;

    /// <summary>Mean of the window (0.5 for Hann): divides a tone's peak to recover its amplitude.</summary>
    public double CoherentGain { get; }

    /// <summary>Equivalent noise bandwidth in bins (1.5 for Hann): corrects summed bin powers.</summary>
    public double EquivalentNoiseBandwidthBins { get; }
}
