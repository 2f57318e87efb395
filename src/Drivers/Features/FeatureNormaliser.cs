namespace SensorOdl.Drivers.Features;

/// <summary>
/// Per-feature standardisation z = (x − mean) / std. Store <see cref="ToArrays"/> with the model and rebuild it with
/// <see cref="FromArrays"/>, so training and deployment apply the same transform.
/// </summary>
public sealed class FeatureNormaliser
{
    private readonly float[] _mean;
    private readonly float[] _std;

    private FeatureNormaliser(float[] mean, float[] std)
    {
        _mean = mean;
        _std = std;
    }

    public int Count => _mean.Length;
    public ReadOnlySpan<float> Mean => _mean;
    public ReadOnlySpan<float> Std => _std;

    /// <summary>Rebuilds a normaliser from stored arrays (copied). Throws <see cref="ArgumentException"/> on mismatched
    /// lengths, non-finite values or a non-positive std.</summary>
    public static FeatureNormaliser FromArrays(float[] mean, float[] std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Length != std.Length || mean.Length == 0)
            throw new ArgumentException($"Mean ({mean.Length}) and std ({std.Length}) must have the same, non-zero length.");
        for (int i = 0; i < mean.Length; i++)
        {
            if (!float.IsFinite(mean[i]) || !float.IsFinite(std[i]) || std[i] <= 0)
                throw new ArgumentException($"Feature {i}: mean {mean[i]} and std {std[i]} must be finite with std > 0.");
        }
        return new FeatureNormaliser((float[])mean.Clone(), (float[])std.Clone());
    }

    /// <summary>Fits mean and std over feature vectors; a std below <paramref name="minStd"/> becomes <paramref name="minStd"/>.</summary>
    public static FeatureNormaliser Fit(IEnumerable<float[]> vectors, float minStd = 1e-6f)
    {
        FeatureNormaliserBuilder? builder = null;
        foreach (var v in vectors)
        {
            builder ??= new FeatureNormaliserBuilder(v.Length);
            builder.Add(v);
        }
        return (builder ?? throw new ArgumentException("Cannot fit a normaliser on no vectors.")).Build(minStd);
    }

    /// <summary>Copies of the stored statistics: (mean, std).</summary>
    public (float[] Mean, float[] Std) ToArrays() => ((float[])_mean.Clone(), (float[])_std.Clone());

    // x: [Count] raw features  z: [Count] standardised (may alias x)
    public void Apply(ReadOnlySpan<float> x, Span<float> z)
    {
        if (x.Length != _mean.Length || z.Length < _mean.Length)
            throw new ArgumentException($"Expected {_mean.Length} features, got {x.Length}.");
        for (int i = 0; i < _mean.Length; i++) z[i] = (x[i] - _mean[i]) / _std[i];
    }

    // z: [Count] standardised  x: [Count] raw (may alias z)
    public void Invert(ReadOnlySpan<float> z, Span<float> x)
    {
        if (z.Length != _mean.Length || x.Length < _mean.Length)
            throw new ArgumentException($"Expected {_mean.Length} features, got {z.Length}.");
        for (int i = 0; i < _mean.Length; i++) x[i] = z[i] * _std[i] + _mean[i];
    }
}
