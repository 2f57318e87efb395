namespace SensorOdl.Learning.Anomaly;

/// <summary>Per-feature mean and standard deviation of a set of windows: the normaliser z = (x − mean) / std.</summary>
public static class Normaliser
{
    /// <summary>features: [count, d] raw; rows: which to use → (mean: [d], std: [d]).</summary>
    public static (float[] Mean, float[] Std) Fit(float[] features, int d, int[] rows)
    {
        var mean = new double[d];
        var square = new double[d];
        foreach (int r in rows)
            for (int i = 0; i < d; i++)
            {
                double v = features[r * d + i];
                mean[i] += v;
                square[i] += v * v;
            }
        var m = new float[d];
        var s = new float[d];
        for (int i = 0; i < d; i++)
        {
            m[i] = (float)(mean[i] / rows.Length);
            double variance = Math.Max(0, square[i] / rows.Length - m[i] * (double)m[i]);
            // A constant feature must not divide by ~0; 1e-3 of the feature's scale (or 1e-6) is its floor.
            s[i] = (float)Math.Max(Math.Sqrt(variance), Math.Max(1e-6, 1e-3 * Math.Abs(m[i])));
        }
        return (m, s);
    }
}
