using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Learning.Tests;

/// <summary>
/// The adapted threshold from ~100 held-out normal scores: the tail fit keeps the share of new normal windows above
/// it near the 1 % budget (1.4 % on average: the threshold's own spread raises the mean share), where the interpolated 99th percentile (between the two largest scores) lets about
/// twice the budget through.
/// </summary>
public sealed class TailThresholdTests
{
    const double Budget = 0.01;

    /// <summary>Mean over many draws of n exponential scores (rate 1) of the true share above the threshold, e^(−t).</summary>
    static double MeanExceedance(Func<float[], float> threshold, int n, int draws = 400)
    {
        var random = new Random(7);
        double sum = 0;
        for (int draw = 0; draw < draws; draw++)
        {
            float[] scores = [.. Enumerable.Range(0, n).Select(_ => (float)-Math.Log(1 - random.NextDouble()))];
            sum += Math.Exp(-threshold(scores));
        }
        return sum / draws;
    }

    [Fact]
    public void Tail_fit_keeps_the_false_alarm_share_near_the_budget_where_the_plain_quantile_doubles_it()
    {
        double plain = MeanExceedance(s => Quantiles.Of(s, 1 - Budget), 104);
        double tail = MeanExceedance(s => TailThreshold.Of(s, Budget), 104);
        Assert.InRange(plain, 0.017, 0.03);
        Assert.InRange(tail, 0.007, 0.015);
        Assert.True(plain - tail > 0.004, $"plain {plain:P2}, tail {tail:P2}");
    }

    [Fact]
    public void Falls_back_to_the_plain_quantile_when_the_budget_lies_inside_the_body_or_the_tail_is_too_short()
    {
        float[] few = [.. Enumerable.Range(1, 10).Select(i => (float)i)];
        Assert.Equal(Quantiles.Of(few, 0.99), TailThreshold.Of(few, Budget));
        float[] many = [.. Enumerable.Range(1, 200).Select(i => (float)i)];
        Assert.Equal(Quantiles.Of(many, 0.8), TailThreshold.Of(many, 0.2));
    }

    [Fact]
    public void Threshold_lies_above_the_tail_start_and_grows_as_the_budget_shrinks()
    {
        var random = new Random(3);
        float[] scores = [.. Enumerable.Range(0, 104).Select(_ => (float)random.NextDouble())];
        float loose = TailThreshold.Of(scores, 0.05), tight = TailThreshold.Of(scores, 0.01);
        Assert.True(tight > loose, $"{tight} ≤ {loose}");
        Assert.True(loose > Quantiles.Of(scores, 0.85));
    }
}
