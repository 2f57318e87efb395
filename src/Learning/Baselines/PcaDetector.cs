using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Learning.Baselines;

/// <summary>
/// The classical baseline adapt-eval compares against: features standardised with the fit set's mean and
/// spread, the principal components that explain <c>varianceKept</c> of the variance, and the squared
/// reconstruction error outside them as the score (the Q statistic). The threshold is a quantile of the
/// scores of calibration windows, the same rule the autoencoder's threshold follows.
/// </summary>
public sealed class PcaDetector
{
    readonly float[] _mean, _std;
    readonly double[] _components; // [k, d]

    PcaDetector(float[] mean, float[] std, double[] components, int k, float threshold)
    {
        _mean = mean;
        _std = std;
        _components = components;
        ComponentCount = k;
        Threshold = threshold;
    }

    public int InputSize => _mean.Length;
    public int ComponentCount { get; }
    public float Threshold { get; private set; }

    /// <param name="fit">[n, d] windows the components are fitted on.</param>
    /// <param name="calibration">[m, d] windows whose score quantile <c>1 − falseAlarmBudget</c> becomes the threshold.</param>
    public static PcaDetector Fit(float[] fit, int n, float[] calibration, int d, double falseAlarmBudget, double varianceKept = 0.99)
    {
        if (n < 2 || fit.Length != n * d) throw new ArgumentException($"PCA needs at least two [{d}]-feature windows.");
        (float[] mean, float[] std) = Standardiser(fit, n, d);
        var z = new double[n * d]; // [n, d] standardised
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) z[i * d + j] = (fit[i * d + j] - mean[j]) / std[j];
        var covariance = new double[d * d]; // [d, d] = zᵀz / (n − 1)
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<double> row = z.AsSpan(i * d, d);
            for (int p = 0; p < d; p++)
            {
                double zp = row[p];
                if (zp == 0) continue;
                Span<double> target = covariance.AsSpan(p * d, d);
                for (int q = p; q < d; q++) target[q] += zp * row[q];
            }
        }
        for (int p = 0; p < d; p++)
            for (int q = p; q < d; q++) covariance[q * d + p] = covariance[p * d + q] /= n - 1;

        (double[] values, double[] vectors) = SymmetricEigen.Decompose(covariance, d);
        double total = values.Where(v => v > 0).Sum(), kept = 0;
        int k = 0;
        while (k < d && (total <= 0 || kept / total < varianceKept)) kept += Math.Max(0, values[k++]);
        var detector = new PcaDetector(mean, std, vectors[..(k * d)], k, 0);
        int m = calibration.Length / d;
        detector.Threshold = Quantiles.Of(detector.Scores(calibration, m), 1 - falseAlarmBudget);
        return detector;
    }

    /// <summary>[n, d] windows → [n] squared residuals outside the kept components.</summary>
    public float[] Scores(float[] windows, int n)
    {
        int d = InputSize;
        var scores = new float[n];
        var z = new double[d];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++) z[j] = (windows[i * d + j] - _mean[j]) / _std[j];
            double residual = z.Sum(x => x * x);
            for (int c = 0; c < ComponentCount; c++)
            {
                double projection = 0;
                ReadOnlySpan<double> component = _components.AsSpan(c * d, d);
                for (int j = 0; j < d; j++) projection += component[j] * z[j];
                residual -= projection * projection;
            }
            scores[i] = (float)Math.Max(0, residual);
        }
        return scores;
    }

    static (float[] Mean, float[] Std) Standardiser(float[] x, int n, int d)
    {
        var mean = new float[d];
        var std = new float[d];
        for (int j = 0; j < d; j++)
        {
            double sum = 0, squares = 0;
            for (int i = 0; i < n; i++) sum += x[i * d + j];
            double mu = sum / n;
            for (int i = 0; i < n; i++) squares += (x[i * d + j] - mu) * (x[i * d + j] - mu);
            mean[j] = (float)mu;
            std[j] = (float)Math.Max(Math.Sqrt(squares / Math.Max(1, n - 1)), 1e-6);
        }
        return (mean, std);
    }
}
