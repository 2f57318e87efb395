namespace SensorOdl.Learning.Anomaly;

/// <summary>
/// The (1 − budget) quantile of normal scores read from an exponential fit to their upper tail (peaks over a
/// threshold) instead of from one or two order statistics. With ~100 calibration windows and a 1 % budget the
/// interpolated 99th percentile sits between the two largest scores: its share of new normal windows above it is
/// about 2 % on average and swings with whichever window happened to be the largest. The tail fit uses the largest
/// tenth (at least <see cref="MinTail"/> scores): u is the score just below them, their mean excess over u is the
/// exponential's scale β, and the threshold is u + β · ln(p_u / budget) with p_u = k / n their share.
/// </summary>
public static class TailThreshold
{
    public const int MinTail = 10;
    public const double TailShare = 0.1;

    /// <summary>Scores: [n] of held-out normal windows → the threshold for the budget; the plain quantile where the
    /// budget's quantile lies inside the body (n · budget ≥ k) or there are too few scores for a tail.</summary>
    public static float Of(float[] scores, double budget)
    {
        int n = scores.Length;
        int k = Math.Max(MinTail, (int)Math.Ceiling(n * TailShare));
        if (budget <= 0 || k >= n || n * budget >= k) return Quantiles.Of(scores, 1 - budget);
        var sorted = (float[])scores.Clone();
        Array.Sort(sorted);
        double u = sorted[n - k - 1], excess = 0;
        for (int i = n - k; i < n; i++) excess += sorted[i] - u;
        return (float)(u + excess / k * Math.Log(k / (n * budget)));
    }
}
