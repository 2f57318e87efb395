using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Learning.Tests;

/// <summary>
/// <see cref="ProbeBar.Unadapted"/>: the probe guard's bar is also capped by what the network flags without its
/// adapters. A probe kind the network cannot see in this room even unadapted does not make a refit blind; one the
/// unadapted network still sees and the adapted candidate no longer does, does.
/// </summary>
public sealed class ProbeBarTests
{
    const int D = Rooms.D;

    /// <summary>A fault's two lines (features 8 and 9) added to each window.</summary>
    internal static readonly ProbeSet Lines = new(["line"], (windows, n) =>
    {
        float[] probes = (float[])windows.Clone();
        for (int s = 0; s < n; s++) { probes[s * D + 8] += 1.5f; probes[s * D + 9] += 1.5f; }
        return probes;
    });

    /// <summary>A candidate that ignores features 8 and 9 (where the lines show), judged with or without an unadapted network that does or does not look there.</summary>
    static ProbeVerdict Judge(bool withUnadapted, bool unadaptedSeesTheLines)
    {
        float[] room = Rooms.Windows(160, 41, roomB: true);
        float[] fit = room[..(100 * D)], calibration = room[(100 * D)..(130 * D)], held = room[(130 * D)..];
        (Func<float[], int, float[]> score, float threshold) = ProbeGuardTests.Scorer(fit, calibration, j => j is not (8 or 9));
        (Func<float[], int, float[]>, float)? unadapted = withUnadapted
            ? ProbeGuardTests.Scorer(fit, calibration, j => unadaptedSeesTheLines || j is not (8 or 9))
            : null;
        return ProbeGuard.Judge(score, threshold, Lines, held, fit, calibration, D, 0.01, 0.95, 0.2, unadapted: unadapted)!;
    }

    [Fact]
    public void A_kind_the_network_does_not_see_even_unadapted_does_not_refuse_the_refit()
    {
        Assert.False(Judge(withUnadapted: false, unadaptedSeesTheLines: false).Passed); // the room's neighbours see the lines
        ProbeVerdict verdict = Judge(withUnadapted: true, unadaptedSeesTheLines: false);
        Assert.True(verdict.Passed, verdict.Blindness);
        ProbeKindVerdict line = Assert.Single(verdict.Kinds);
        Assert.True(line.Neighbours > 0.9, $"neighbours {line.Neighbours:P0}");
        Assert.True(line.Unadapted < 0.2, $"unadapted {line.Unadapted:P0}");
    }

    [Fact]
    public void A_pass_owed_to_the_unadapted_cap_is_named_as_short_of_the_room()
    {
        ProbeVerdict capped = Judge(withUnadapted: true, unadaptedSeesTheLines: false);
        ProbeKindVerdict line = Assert.Single(capped.Kinds);
        Assert.Equal(Math.Min(line.Neighbours, 0.95), line.RoomBar, 9);
        Assert.Same(line, capped.ShortOfRoom);
        Assert.StartsWith("it flags ", line.Shortfall);
        Assert.Contains("the network without adapters", line.Shortfall);

        // A candidate that sees the lines is short of nothing, with or without the cap.
        float[] room = Rooms.Windows(160, 41, roomB: true);
        float[] fit = room[..(100 * D)], calibration = room[(100 * D)..(130 * D)], held = room[(130 * D)..];
        (Func<float[], int, float[]> score, float threshold) = ProbeGuardTests.Scorer(fit, calibration, _ => true);
        ProbeVerdict sees = ProbeGuard.Judge(score, threshold, Lines, held, fit, calibration, D, 0.01, 0.95, 0.2,
            unadapted: ProbeGuardTests.Scorer(fit, calibration, j => j is not (8 or 9)))!;
        Assert.True(sees.Passed);
        Assert.Null(sees.ShortOfRoom);
    }

    [Fact]
    public void Adapters_that_lost_what_the_unadapted_network_sees_are_still_blind()
    {
        ProbeVerdict verdict = Judge(withUnadapted: true, unadaptedSeesTheLines: true);
        Assert.False(verdict.Passed);
        Assert.True(verdict.Worst.Unadapted > 0.9, $"unadapted {verdict.Worst.Unadapted:P0}");
        Assert.StartsWith("blind to synthetic line probes", verdict.Blindness);
    }

    [Fact]
    public void Adapting_with_the_unadapted_bar_reports_what_the_unadapted_network_flags()
    {
        AnomalyModel baseModel = Rooms.Base().WithProbeReference(0.95);
        float[] roomB = Rooms.Windows(160, 2, roomB: true);
        (_, CandidateReport report) = ModelAdapter.Adapt(baseModel, roomB, [.. Enumerable.Range(0, 160).Select(i => (long)i)], [],
            Rooms.Adaptation with { ProbeBar = ProbeBar.Unadapted }, probes: Lines);
        ProbeKindVerdict line = Assert.Single(report.Probes!.Kinds);
        Assert.NotNull(line.Unadapted);
        Assert.True(line.Reference <= line.Unadapted!.Value + 1e-9);
        Assert.True(report.Accepted, report.Reason);
    }
}
