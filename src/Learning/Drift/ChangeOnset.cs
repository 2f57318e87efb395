namespace SensorOdl.Learning.Drift;

/// <summary>
/// Where a change began: Page's CUSUM (Biometrika 1954) on the above-threshold indicator, testing the rate a
/// model flags normal data (its false-alarm budget p₀) against the rate that counts as drift (p₁). Each window
/// adds ln(p₁/p₀) when flagged and ln((1−p₁)/(1−p₀)) when not; the sum is floored at zero. The onset estimate
/// is the first window of the current excursion above zero: the last time the data still looked normal.
/// </summary>
public sealed class ChangeOnset
{
    readonly double _up, _down;
    double _sum;

    /// <param name="normalRate">p₀: the share of normal windows flagged (the false-alarm budget).</param>
    /// <param name="driftRate">p₁: the share flagged once the data has moved (the drift level).</param>
    public ChangeOnset(double normalRate, double driftRate)
    {
        if (!(normalRate > 0 && normalRate < driftRate && driftRate < 1))
            throw new ArgumentException($"Need 0 < normal rate ({normalRate}) < drift rate ({driftRate}) < 1.");
        _up = Math.Log(driftRate / normalRate);
        _down = Math.Log((1 - driftRate) / (1 - normalRate));
    }

    /// <summary>The CUSUM statistic: evidence (in nats) that the rate has moved up.</summary>
    public double Statistic => _sum;

    /// <summary>Data time of the first window of the current excursion; null while the statistic is at zero.</summary>
    public double? OnsetS { get; private set; }

    public void Observe(bool flagged, double timeS)
    {
        double before = _sum;
        _sum = Math.Max(0, _sum + (flagged ? _up : _down));
        if (_sum == 0) OnsetS = null;
        else if (before == 0) OnsetS = timeS;
    }

    public void Reset()
    {
        _sum = 0;
        OnsetS = null;
    }
}
