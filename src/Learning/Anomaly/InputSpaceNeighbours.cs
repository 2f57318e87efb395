using System.Numerics.Tensors;

namespace SensorOdl.Learning.Anomaly;

/// <summary>
/// The probe guard's yardstick read through the candidate's own normaliser: a window's score is the mean squared
/// distance, in the candidate's standardised inputs, to its <see cref="Neighbours"/> nearest fit windows; the
/// threshold the (1 − budget) quantile of calibration windows' scores. It flags what any detector reading the
/// inputs as the candidate reads them could tell apart from the fit windows: a probe it misses is hidden by the
/// room at the candidate's resolution (its spread, floored at the base's), not by what the network learnt.
/// </summary>
public sealed class InputSpaceNeighbours
{
    public const int Neighbours = 3;
    readonly float[] _fit; // [n, d] standardised
    readonly float[] _mean, _scale;
    readonly int _n;

    InputSpaceNeighbours(float[] mean, float[] std, float[] fit, int n)
    {
        _mean = mean;
        _scale = [.. std.Select(s => 1 / Math.Max(s, 1e-12f))];
        _n = n;
        _fit = Standardise(fit, n);
    }

    public float Threshold { get; private set; }

    /// <param name="mean">The candidate's per-feature centre.</param>
    /// <param name="std">The candidate's per-feature spread.</param>
    /// <param name="fit">[n, d] raw features the candidate was fitted on.</param>
    /// <param name="calibration">[m, d] raw normal windows its threshold comes from.</param>
    public static InputSpaceNeighbours Fit(float[] mean, float[] std, float[] fit, float[] calibration, double falseAlarmBudget)
    {
        int d = mean.Length, n = fit.Length / d;
        if (n < Neighbours || std.Length != d) throw new ArgumentException($"The yardstick needs at least {Neighbours} [{d}]-feature windows and one spread per feature.");
        var yardstick = new InputSpaceNeighbours(mean, std, fit, n);
        yardstick.Threshold = Quantiles.Of(yardstick.Scores(calibration, calibration.Length / d), 1 - falseAlarmBudget);
        return yardstick;
    }

    /// <summary>[count, d] raw features → [count] mean squared standardised distance to the nearest fit windows.</summary>
    public float[] Scores(float[] windows, int count)
    {
        int d = _mean.Length;
        float[] z = Standardise(windows, count);
        var scores = new float[count];
        var difference = new float[d];
        Span<float> best = stackalloc float[Neighbours];
        for (int w = 0; w < count; w++)
        {
            best.Fill(float.MaxValue);
            ReadOnlySpan<float> row = z.AsSpan(w * d, d);
            for (int i = 0; i < _n; i++)
            {
                TensorPrimitives.Subtract(row, _fit.AsSpan(i * d, d), difference);
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

    float[] Standardise(float[] x, int count)
    {
        int d = _mean.Length;
        var z = new float[count * d];
        for (int w = 0; w < count; w++)
            for (int j = 0; j < d; j++) z[w * d + j] = (x[w * d + j] - _mean[j]) * _scale[j];
        return z;
    }
}
