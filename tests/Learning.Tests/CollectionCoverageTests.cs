using SensorOdl.Learning.Drift;

namespace SensorOdl.Learning.Tests;

public sealed class CollectionCoverageTests
{
    const int D = 16;

    static float[] Window(Random random, int regime)
    {
        // Regimes (fan speeds): the same noise around different spectra.
        var x = new float[D];
        for (int i = 0; i < D; i++)
        {
            float level = regime switch { 0 => 1f, 1 => i % 2 == 0 ? 4f : -2f, _ => i < D / 2 ? -3f : 3f };
            x[i] = level + (float)(random.NextDouble() * 2 - 1) * 0.3f;
        }
        return x;
    }

    static float[] UnitScale() => [.. Enumerable.Repeat(1f, D)];

    [Fact]
    public void A_new_normal_that_steps_through_regimes_slowly_is_collected_until_every_regime_is_in_it()
    {
        var random = new Random(11);
        var coverage = new CollectionCoverage(UnitScale(), minimum: 120, capacity: 2000);
        var regimes = new List<int>();
        for (int t = 0; t < 2000 && !coverage.Covered; t++)
        {
            int regime = (t / 100) % 3; // 100 windows of each of three speeds in turn, and again
            coverage.Add(Window(random, regime));
            regimes.Add(regime);
        }
        Assert.True(coverage.Covered);
        // Training as soon as MinSamples (120) windows exist fits the first speed and a bit of the second, never the third.
        for (int regime = 0; regime < 3; regime++)
            Assert.True(regimes.Count(r => r == regime) >= 100, $"only {regimes.Count(r => r == regime)} windows of regime {regime}");
        Assert.Equal(2, coverage.NewRegions);
        Assert.InRange(coverage.Count, 400, 440); // twice the windows it took to reach the third regime
    }

    [Fact]
    public void A_stationary_new_normal_is_covered_at_the_minimum()
    {
        var random = new Random(5);
        var coverage = new CollectionCoverage(UnitScale(), minimum: 120, capacity: 2000);
        for (int t = 0; t < 120; t++) coverage.Add(Window(random, 0));
        Assert.True(coverage.Covered);
        Assert.Equal(0, coverage.NewRegions);
        Assert.Equal(120, coverage.Wanted);
    }

    [Fact]
    public void An_isolated_odd_window_does_not_make_it_wait()
    {
        var random = new Random(9);
        var coverage = new CollectionCoverage(UnitScale(), minimum: 120, capacity: 2000);
        for (int t = 0; t < 120; t++) coverage.Add(t == 100 ? Window(random, 1) : Window(random, 0));
        Assert.True(coverage.Covered);
        Assert.Equal(0, coverage.NewRegions);
    }

    [Fact]
    public void The_wait_never_exceeds_the_capacity()
    {
        var coverage = new CollectionCoverage(UnitScale(), minimum: 20, capacity: 60);
        for (int t = 0; t < 60; t++)
        {
            var ramp = new float[D];
            Array.Fill(ramp, t * 10f); // never settles: every window is new
            coverage.Add(ramp);
        }
        Assert.Equal(60, coverage.Wanted);
        Assert.True(coverage.Covered);
        Assert.True(coverage.NewRegions >= 1);
    }
}
