using System.Numerics;

namespace SensorOdl.Drivers.Tests.Probes;

/// <summary>
/// A detector-free yardstick for "how far from normal": features scaled by the normal windows' per-feature standard
/// deviation (floored at 5 % of the median one, so a feature that never moves cannot dominate), and a window's novelty =
/// the mean of its distances to the 3 nearest normal windows, as an RMS per feature (√(Σ z² / d)).
/// </summary>
internal sealed class NearestNeighbourNovelty
{
    private const int Neighbours = 3;
    private readonly float[] _normal;   // [n, d] scaled
    private readonly float[] _mean;     // [d]
    private readonly float[] _scale;    // [d] 1 / std
    private readonly float[] _z;        // [d] scratch
    private readonly int _d;

    // normal: n vectors of d features
    public NearestNeighbourNovelty(IReadOnlyList<float[]> normal)
    {
        int n = normal.Count;
        _d = normal[0].Length;
        _mean = new float[_d];
        _scale = new float[_d];
        _z = new float[_d];
        var std = new double[_d];
        for (int j = 0; j < _d; j++)
        {
            double mean = 0, square = 0;
            foreach (var x in normal) mean += x[j];
            mean /= n;
            foreach (var x in normal) square += (x[j] - mean) * (x[j] - mean);
            _mean[j] = (float)mean;
            std[j] = Math.Sqrt(square / n);
        }
        double floor = 0.05 * std.Order().ElementAt(_d / 2);
        for (int j = 0; j < _d; j++) _scale[j] = (float)(1 / Math.Max(std[j], Math.Max(floor, 1e-12)));
        _normal = new float[n * _d];
        for (int i = 0; i < n; i++) Scale(normal[i], _normal.AsSpan(i * _d, _d));
        Count = n;
    }

    public int Count { get; }

    /// <summary>Novelty of <paramref name="x"/> against the normal windows, leaving out window <paramref name="exclude"/> (its source).</summary>
    // x: [d]
    public double Score(ReadOnlySpan<float> x, int exclude = -1)
    {
        Scale(x, _z);
        Span<double> best = stackalloc double[Neighbours];
        best.Fill(double.MaxValue);
        for (int i = 0; i < Count; i++)
        {
            if (i == exclude) continue;
            double s = SquaredDistance(_z, _normal.AsSpan(i * _d, _d));
            for (int m = 0; m < Neighbours; m++)
            {
                if (s >= best[m]) continue;
                for (int q = Neighbours - 1; q > m; q--) best[q] = best[q - 1];
                best[m] = s;
                break;
            }
        }
        double sum = 0;
        foreach (double s in best) sum += Math.Sqrt(s / _d);
        return sum / Neighbours;
    }

    /// <summary>RMS per feature of the scaled difference between two windows (how far a probe moved its source).</summary>
    public double Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (int j = 0; j < _d; j++)
        {
            double t = (a[j] - b[j]) * _scale[j];
            s += t * t;
        }
        return Math.Sqrt(s / _d);
    }

    private void Scale(ReadOnlySpan<float> x, Span<float> z)
    {
        for (int j = 0; j < _d; j++) z[j] = (x[j] - _mean[j]) * _scale[j];
    }

    private static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int j = 0, width = Vector<float>.Count;
        var sum = Vector<float>.Zero;
        for (; j <= a.Length - width; j += width)
        {
            var t = new Vector<float>(a[j..]) - new Vector<float>(b[j..]);
            sum += t * t;
        }
        double s = Vector.Sum(sum);
        for (; j < a.Length; j++) s += (a[j] - b[j]) * (a[j] - b[j]);
        return s;
    }
}
