namespace SensorOdl.Drivers.Features;

/// <summary>Streaming mean/variance per feature (Welford, in double) for fitting a <see cref="FeatureNormaliser"/>.</summary>
public sealed class FeatureNormaliserBuilder
{
    private readonly double[] _mean;
    private readonly double[] _m2;

    public FeatureNormaliserBuilder(int featureCount)
    {
        if (featureCount < 1) throw new ArgumentOutOfRangeException(nameof(featureCount));
        _mean = new double[featureCount];
        _m2 = new double[featureCount];
    }

    public long Count { get; private set; }

    /// <summary>Adds one vector. Vectors holding NaN or ±Inf are refused (returns false) rather than poisoning the statistics.</summary>
    public bool Add(ReadOnlySpan<float> x)
    {
        if (x.Length != _mean.Length)
            throw new ArgumentException($"Expected {_mean.Length} features, got {x.Length}.");
        foreach (float v in x)
            if (!float.IsFinite(v)) return false;
        Count++;
        for (int i = 0; i < x.Length; i++)
        {
            double delta = x[i] - _mean[i];
            _mean[i] += delta / Count;
            _m2[i] += delta * (x[i] - _mean[i]);
        }
        return true;
    }

    /// <summary>Population std per feature, floored at <paramref name="minStd"/>.</summary>
    public FeatureNormaliser Build(float minStd = 1e-6f)
    {
        if (Count == 0) throw new InvalidOperationException("Cannot build a normaliser from no vectors.");
        var mean = new float[_mean.Length];
        var std = new float[_mean.Length];
        for (int i = 0; i < mean.Length; i++)
        {
            mean[i] = (float)_mean[i];
            std[i] = Math.Max(minStd, (float)Math.Sqrt(_m2[i] / Count));
        }
        return FeatureNormaliser.FromArrays(mean, std);
    }
}
