namespace SensorOdl.Drivers.Features;

/// <summary>Time-domain statistics of one window, in the samples' unit.</summary>
/// <param name="Mean">Arithmetic mean.</param>
/// <param name="Rms">Root mean square (DC included).</param>
/// <param name="Peak">Largest absolute value.</param>
/// <param name="CrestFactor">Peak / RMS (√2 for a sine); 0 when RMS is 0.</param>
/// <param name="Kurtosis">Pearson kurtosis m4 / m2² (3 for Gaussian noise, 1.5 for a sine); 0 when the variance is 0.</param>
/// <param name="Variance">Population variance m2.</param>
public readonly record struct WindowStatistics(double Mean, double Rms, double Peak, double CrestFactor, double Kurtosis, double Variance)
{
    // x: [n] finite samples
    public static WindowStatistics Of(ReadOnlySpan<float> x)
    {
        int n = x.Length;
        if (n == 0) return default;
        double sum = 0, sumSquares = 0, peak = 0;
        for (int i = 0; i < n; i++)
        {
            double v = x[i];
            sum += v;
            sumSquares += v * v;
            double a = Math.Abs(v);
            if (a > peak) peak = a;
        }
        double mean = sum / n;
        double m2 = 0, m4 = 0;
        for (int i = 0; i < n; i++)
        {
            double d = x[i] - mean;
            double d2 = d * d;
            m2 += d2;
            m4 += d2 * d2;
        }
        m2 /= n;
        m4 /= n;
        double rms = Math.Sqrt(sumSquares / n);
        double crest = rms > 0 ? peak / rms : 0;
        double kurtosis = m2 > 1e-30 ? m4 / (m2 * m2) : 0;
        return new WindowStatistics(mean, rms, peak, crest, kurtosis, m2);
    }
}
