namespace SensorOdl.Learning.Anomaly;

/// <summary>
/// What normal data looked like to a model version, kept with it so that drift can be measured against it:
/// the score distribution on held-back normal windows and the centroid and spread of the normalised features.
/// </summary>
public sealed record ReferenceStatistics(
    int Samples,
    float ScoreMean,
    float ScoreStd,
    float ScoreMedian,
    float Exceedance,
    float[] Centroid,
    float DistanceMean,
    float DistanceStd)
{
    /// <summary>The score quantile <see cref="ScoreHigh"/> is read at.</summary>
    public const double HighQuantile = 0.9;

    /// <summary>
    /// The 90th percentile of the scores (<see cref="HighQuantile"/>): a tenth of the windows this version calls normal score
    /// above it. NaN for a version written before it was kept.
    /// </summary>
    public float ScoreHigh { get; init; } = float.NaN;

    /// <summary>z: [count, d] normalised features, scores: [count], threshold → the statistics.</summary>
    public static ReferenceStatistics Measure(ReadOnlySpan<float> z, int count, ReadOnlySpan<float> scores, float threshold)
    {
        int d = z.Length / Math.Max(count, 1);
        var centroid = new float[d];
        for (int s = 0; s < count; s++)
            System.Numerics.Tensors.TensorPrimitives.Add(centroid, z.Slice(s * d, d), centroid);
        System.Numerics.Tensors.TensorPrimitives.Multiply(centroid, 1f / Math.Max(count, 1), centroid);
        var distances = new float[count];
        for (int s = 0; s < count; s++) distances[s] = System.Numerics.Tensors.TensorPrimitives.Distance(z.Slice(s * d, d), centroid);
        int above = 0;
        foreach (float score in scores) if (score > threshold) above++;
        float[] all = scores.ToArray();
        return new ReferenceStatistics(count, Mean(scores), Std(scores), Quantiles.Of(all, 0.5),
            count == 0 ? 0 : (float)above / count, centroid, Mean(distances), Std(distances)) { ScoreHigh = Quantiles.Of(all, HighQuantile) };
    }

    static float Mean(ReadOnlySpan<float> values) => values.IsEmpty ? 0 : System.Numerics.Tensors.TensorPrimitives.Sum(values) / values.Length;

    static float Std(ReadOnlySpan<float> values)
    {
        if (values.Length < 2) return 0;
        float mean = Mean(values), sum = 0;
        foreach (float v in values) sum += (v - mean) * (v - mean);
        return MathF.Sqrt(sum / (values.Length - 1));
    }
}

public static class Quantiles
{
    /// <summary>The q-quantile (0..1) with linear interpolation between order statistics; NaN for no values.</summary>
    public static float Of(float[] values, double q)
    {
        if (values.Length == 0) return float.NaN;
        var sorted = (float[])values.Clone();
        Array.Sort(sorted);
        double position = Math.Clamp(q, 0, 1) * (sorted.Length - 1);
        int low = (int)Math.Floor(position), high = Math.Min(low + 1, sorted.Length - 1);
        return (float)(sorted[low] + (sorted[high] - sorted[low]) * (position - low));
    }
}
