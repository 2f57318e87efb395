using System.Numerics.Tensors;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Learning.Baselines;

/// <summary>
/// A detector with nothing to train: features standardised with the fit windows' mean and spread (each spread
/// floored at 5 % of the median one, so a feature that never moves cannot dominate), a window's score the mean
/// squared distance to its <see cref="Neighbours"/> nearest fit windows, the threshold a quantile of calibration
/// windows' scores. It flags what lies outside the variety the fit windows show, whatever model is in use — the
/// probe guard's yardstick for what a fault probe in this environment can be told apart from.
/// </summary>
public sealed class NearestNeighbourDetector
{
    public const int Neighbours = 3;
    readonly float[] _fit; // [n, d] standardised
    readonly float[] _mean, _scale; // [d], scale = 1 / spread
    readonly int _n;

    NearestNeighbourDetector(float[] fit, int n, float[] mean, float[] scale)
    {
        _fit = fit;
        _n = n;
        _mean = mean;
        _scale = scale;
    }

    public int InputSize => _mean.Length;
    public float Threshold { get; private set; }

    /// <param name="fit">[n, d] raw features of the windows that define normal.</param>
    /// <param name="calibration">[m, d] other normal windows; their score quantile <c>1 − falseAlarmBudget</c> is the threshold.</param>
    public static NearestNeighbourDetector Fit(float[] fit, int n, float[] calibration, int d, double falseAlarmBudget)
    {
        if (n < Neighbours || fit.Length != n * d) throw new ArgumentException($"A nearest-neighbour detector needs at least {Neighbours} [{d}]-feature windows.");
        (float[] mean, float[] std) = Normaliser.Fit(fit, d, [.. Enumerable.Range(0, n)]);
        float floor = 0.05f * std.Order().ElementAt(d / 2);
        float[] scale = [.. std.Select(s => 1 / Math.Max(s, Math.Max(floor, 1e-12f)))];
        var detector = new NearestNeighbourDetector(new float[n * d], n, mean, scale);
        for (int i = 0; i < n; i++) detector.Standardise(fit.AsSpan(i * d, d), detector._fit.AsSpan(i * d, d));
        detector.Threshold = Quantiles.Of(detector.Scores(calibration, calibration.Length / d), 1 - falseAlarmBudget);
        return detector;
    }

    /// <summary>[count, d] raw features → [count] mean squared distance (per feature) to the nearest fit windows.</summary>
    public float[] Scores(float[] windows, int count)
    {
        int d = InputSize;
        var scores = new float[count];
        var z = new float[d];
        var difference = new float[d];
        Span<float> best = stackalloc float[Neighbours];
        for (int w = 0; w < count; w++)
        {
            Standardise(windows.AsSpan(w * d, d), z);
            best.Fill(float.MaxValue);
            for (int i = 0; i < _n; i++)
            {
                TensorPrimitives.Subtract(z, _fit.AsSpan(i * d, d), difference);
                float distance = TensorPrimitives.SumOfSquares(difference);
                for (int m = 0; m < Neighbours; m++)
                {
                    if (distance >= best[m]) continue;
                    for (int q = Neighbours - 1; q > m; q--) best[q] = best[q - 1];
                    best[m] = distance;
                    break;
                }
            }
            float sum = 0;
            foreach (float b in best) sum += b;
            scores[w] = sum / (Neighbours * d);
        }
        return scores;
    }

    void Standardise(ReadOnlySpan<float> x, Span<float> z)
    {
        for (int j = 0; j < z.Length; j++) z[j] = (x[j] - _mean[j]) * _scale[j];
    }
}
