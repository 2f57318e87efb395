namespace SensorOdl.Learning.Anomaly;

/// <summary>
/// The (1 − budget) quantile of normal scores read from an exponential fit to their upper tail (peaks over a
/// threshold) instead of from one or two order statistics. With ~100 calibration windows and a 1 % budget the
/// interpolated 99th percentile sits between the two largest scores: its share of new normal windows above it is
/// about 2 % on average and swings with whichever window happened to be the largest. The tail fit uses the largest
/// tenth (at least <see cref="MinTail"/> scores): u is the score just below them, their mean excess over u estimates
/// the exponential's scale β, and the threshold is u + β · c with p_u = k / n their share.
/// <para>
/// At a <c>confidence</c> of ½, c makes the budget the threshold's <em>expected</em> share of new normal windows above
/// it. The plug-in c = ln(p_u / budget) does not: β̂ = β·G/k with G ~ Gamma(k, 1), and the share above u + c·β̂ is
/// p_u·e^(−cG/k), whose mean p_u·(1 + c/k)^(−k) lies above p_u·e^(−c) — by a quarter at ~100 held-out windows (k = 11),
/// by 8 % at ~300 (k = 32); with u's own spread, 1.34 % and 1.11 % for a 1 % budget on exponential scores. Solving
/// p_u·(1 + c/k)^(−k) = budget gives c = k·((p_u / budget)^(1/k) − 1): 1.08 % and 1.03 % (TailThresholdTests).
/// </para>
/// <para>
/// With a <c>confidence</c> above ½, β is its one-sided upper confidence bound and c the plug-in: k exceedances of an
/// exponential give 2k·β̂/β ~ χ²(2k), so β ≤ 2k·β̂ / χ²₁₋c(2k) with probability c — the threshold then lets more
/// than the budget through in at most about 1 − c of the fits that the tail model describes.
/// </para>
/// </summary>
public static class TailThreshold
{
    public const int MinTail = 10;
    public const double TailShare = 0.1;

    /// <summary>Scores: [n] of held-out normal windows → the threshold for the budget; the plain quantile where the
    /// budget's quantile lies inside the body (n · budget ≥ k) or there are too few scores for a tail.</summary>
    /// <param name="confidence">½ or less: the budget is the expected share above the threshold; above: the scale's upper confidence bound at that level.</param>
    public static float Of(float[] scores, double budget, double confidence = 0.5)
    {
        int n = scores.Length;
        int k = Math.Max(MinTail, (int)Math.Ceiling(n * TailShare));
        if (budget <= 0 || k >= n || n * budget >= k) return Quantiles.Of(scores, 1 - budget);
        var sorted = (float[])scores.Clone();
        Array.Sort(sorted);
        double u = sorted[n - k - 1], excess = 0;
        for (int i = n - k; i < n; i++) excess += sorted[i] - u;
        double scale = excess / k, ratio = k / (n * budget);
        if (confidence > 0.5) return (float)(u + scale * 2.0 * k / ChiSquareQuantile(1 - confidence, 2 * k) * Math.Log(ratio));
        return (float)(u + scale * k * (Math.Pow(ratio, 1.0 / k) - 1));
    }

    /// <summary>The p-quantile of χ²(ν) by Wilson and Hilferty's cube-root normal approximation (within 1 % for ν ≥ 20).</summary>
    internal static double ChiSquareQuantile(double p, int nu)
    {
        double a = 2.0 / (9 * nu);
        double cube = 1 - a + NormalQuantile(p) * Math.Sqrt(a);
        return nu * cube * cube * cube;
    }

    /// <summary>The standard normal p-quantile (Acklam's rational approximation, relative error below 1.2e-9).</summary>
    internal static double NormalQuantile(double p)
    {
        if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "a probability strictly between 0 and 1");
        double[] a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        double[] b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        double[] c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        double[] d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        const double low = 0.02425;
        if (p < low || p > 1 - low)
        {
            double t = Math.Sqrt(-2 * Math.Log(p < low ? p : 1 - p));
            double tail = (((((c[0] * t + c[1]) * t + c[2]) * t + c[3]) * t + c[4]) * t + c[5]) / ((((d[0] * t + d[1]) * t + d[2]) * t + d[3]) * t + 1);
            return p < low ? tail : -tail;
        }
        double q = p - 0.5, r = q * q;
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
}
