using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Learning.Tests;

/// <summary>
/// <see cref="ProbeBar.Inputs"/>: the probe guard's yardstick reads the windows through the candidate's normaliser.
/// A quiet room whose upper features barely move, read by a candidate whose spread there is floored at a loud base's,
/// hides a small lift of those features from the candidate whatever it learnt; held to the room's own spread it is
/// called blind, held to its inputs it is not — while a candidate that ignores features it could see is still refused.
/// </summary>
public sealed class ProbeBarTests
{
    const int D = 12;

    /// <summary>Features 0–5 move with two latent factors; 6–11 are a quiet floor (0.1 ± 0.01).</summary>
    static float[] QuietRoom(int n, int seed)
    {
        var random = new Random(seed);
        var x = new float[n * D];
        for (int s = 0; s < n; s++)
        {
            double a = 1 + random.NextDouble(), b = random.NextDouble();
            for (int i = 0; i < 6; i++) x[s * D + i] = (float)(a * Math.Exp(-i / 3.0) + b * Math.Sin(i / 2.0) + 0.05 * random.NextDouble());
            for (int i = 6; i < D; i++) x[s * D + i] = (float)(0.1 + 0.02 * random.NextDouble());
        }
        return x;
    }

    static readonly ProbeSet Probes = new(["lift", "line"], (windows, n) =>
    {
        var probes = new float[n * 2 * D];
        for (int s = 0; s < n; s++)
        {
            for (int p = 0; p < 2; p++) windows.AsSpan(s * D, D).CopyTo(probes.AsSpan((s * 2 + p) * D, D));
            for (int i = 6; i < D; i++) probes[s * 2 * D + i] += 0.1f; // a broadband lift of the quiet floor
            probes[(s * 2 + 1) * D + 2] += 1.5f; // a line where the room moves
            probes[(s * 2 + 1) * D + 3] += 1.5f;
        }
        return probes;
    });

    /// <summary>
    /// The candidate's normaliser: the room's centre, its spread floored at 1 on the quiet floor (a loud base's);
    /// the candidate scores the squared standardised distance to its nearest fit window over the features it looks at.
    /// </summary>
    static ProbeVerdict Judge(ProbeBar bar, Func<int, bool> looksAt)
    {
        float[] room = QuietRoom(160, 21);
        float[] fit = room[..(100 * D)], calibration = room[(100 * D)..(130 * D)], held = room[(130 * D)..];
        (float[] mean, float[] std) = Normaliser.Fit(fit, D, [.. Enumerable.Range(0, 100)]);
        for (int i = 6; i < D; i++) std[i] = Math.Max(std[i], 1f);
        float[] Score(float[] x, int count) => [.. Enumerable.Range(0, count).Select(s => Enumerable.Range(0, 100).Min(f =>
            Enumerable.Range(0, D).Where(looksAt).Sum(j => Square((x[s * D + j] - fit[f * D + j]) / std[j]))))];
        float threshold = Quantiles.Of(Score(calibration, 30), 0.99);
        return ProbeGuard.Judge(Score, threshold, Probes, held, fit, calibration, D, 0.01, 0.95, 0.2,
            inputs: bar == ProbeBar.Inputs ? (mean, std) : null)!;
    }

    static float Square(float v) => v * v;

    [Fact]
    public void Held_to_the_rooms_spread_a_candidate_whose_inputs_hide_the_lift_is_called_blind()
    {
        ProbeVerdict verdict = Judge(ProbeBar.Room, _ => true);
        Assert.False(verdict.Passed);
        Assert.Equal("lift", verdict.Worst.Kind);
        Assert.True(verdict.Worst.Neighbours > 0.9, $"the room's neighbours flag {verdict.Worst.Neighbours:P0} of the lifts");
    }

    [Fact]
    public void Held_to_its_own_inputs_the_same_candidate_passes()
    {
        ProbeVerdict verdict = Judge(ProbeBar.Inputs, _ => true);
        Assert.True(verdict.Passed, verdict.Blindness);
        ProbeKindVerdict lift = verdict.Kinds.Single(k => k.Kind == "lift");
        Assert.True(lift.Neighbours < 0.5, $"read through the candidate's spread the neighbours still flag {lift.Neighbours:P0} of the lifts");
    }

    [Fact]
    public void Held_to_its_own_inputs_a_candidate_that_ignores_where_a_fault_shows_is_still_blind()
    {
        ProbeVerdict verdict = Judge(ProbeBar.Inputs, j => j is not (2 or 3));
        Assert.False(verdict.Passed);
        Assert.Equal("line", verdict.Worst.Kind);
    }
}
