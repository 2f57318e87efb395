using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Learning.Tests;

/// <summary>
/// <see cref="AdaptationOptions.RefineForProbe"/>: a refit called because the version in use passed a probe kind only by the
/// unadapted cap is judged by what it is for — it must flag more of those probes than the version in use, on the same
/// windows, and its false alarms must not rise — not by whether its false alarms fell.
/// </summary>
public sealed class ProbeRefineVerdictTests
{
    const int D = Rooms.D;

    static readonly ProbeSet Lines = ProbeBarTests.Lines;

    static long[] Ids(int n) => [.. Enumerable.Range(0, n).Select(i => (long)i)];

    [Fact]
    public void The_guard_reports_the_share_of_the_same_probes_the_version_in_use_flags()
    {
        float[] room = Rooms.Windows(160, 41, roomB: true);
        float[] fit = room[..(100 * D)], calibration = room[(100 * D)..(130 * D)], held = room[(130 * D)..];
        (Func<float[], int, float[]> score, float threshold) = ProbeGuardTests.Scorer(fit, calibration, _ => true);
        ProbeKindVerdict Line(Func<int, bool> inUseLooksAt) => Assert.Single(ProbeGuard.Judge(score, threshold, Lines, held, fit, calibration, D, 0.01, 0.95, 0.2,
            inUse: ProbeGuardTests.Scorer(fit, calibration, inUseLooksAt))!.Kinds);

        Assert.True(Line(j => j is not (8 or 9)).InUse < 0.2);
        Assert.True(Line(_ => true).InUse > 0.9);
        Assert.Null(Assert.Single(ProbeGuard.Judge(score, threshold, Lines, held, fit, calibration, D, 0.01, 0.95, 0.2)!.Kinds).InUse);
    }

    [Fact]
    public void A_refit_is_refused_only_for_losing_more_than_the_allowed_drop_or_for_more_false_alarms()
    {
        static ProbeKindVerdict Broadband(double candidate, double inUse) => new("broadband", candidate, 1, 0.01) { RoomBar = 0.88, InUse = inUse };

        Assert.Null(ProbeRefit.Refusal(Broadband(0.336, 0.285), before: 0.015, after: 0.015, maxDrop: 0.2)); // equal false alarms above the budget: kept
        Assert.Null(ProbeRefit.Refusal(Broadband(0.166, 0.258), before: 0.020, after: 0.013, maxDrop: 0.2)); // fewer probes, within the drop
        Assert.Equal("false alarms on held-back new-normal windows rose (1.4 % → 2.1 %)",
            ProbeRefit.Refusal(Broadband(0.9, 0.1), before: 0.014, after: 0.021, maxDrop: 0.2));
        Assert.Equal("the refit flags 50.0 % of synthetic broadband probes of the new normal, the version in use 100.0 % (at most 20 % less allowed)",
            ProbeRefit.Refusal(Broadband(0.5, 1.0), before: 0.02, after: 0.01, maxDrop: 0.2));
        Assert.Throws<ArgumentException>(() => ProbeRefit.Refusal(Broadband(0.5, 1.0) with { InUse = null }, 0, 0, 0.2));
    }

    [Fact]
    public void A_refit_for_a_probe_kind_is_judged_on_those_probes_beside_the_version_in_use()
    {
        AnomalyModel baseModel = Rooms.Base().WithProbeReference(0.95);
        (AnomalyModel adapted, CandidateReport first) = ModelAdapter.Adapt(baseModel, Rooms.Windows(160, 2, roomB: true), Ids(160), [], Rooms.Adaptation, probes: Lines);
        Assert.True(first.Accepted, first.Reason);

        float[] more = Rooms.Windows(240, 5, roomB: true);
        (_, CandidateReport plain) = ModelAdapter.Adapt(adapted, more, Ids(240), [], Rooms.Adaptation, probes: Lines);
        (_, CandidateReport refine) = ModelAdapter.Adapt(adapted, more, Ids(240), [], Rooms.Adaptation with { RefineForProbe = "line" }, probes: Lines);

        Assert.Null(Assert.Single(plain.Probes!.Kinds).InUse);
        ProbeKindVerdict line = Assert.Single(refine.Probes!.Kinds);
        Assert.True(line.InUse > 0.9, $"the version in use flags {line.InUse:P0} of the line probes"); // it sees the lines
        Assert.True(refine.Accepted, refine.Reason);
        Assert.Contains($", line probes {line.InUse:P1} → {line.Candidate:P1}, ", refine.Reason);
    }
}
