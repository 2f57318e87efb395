using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Learning.Tests;

/// <summary>
/// The probe guard: a candidate that no longer flags synthetic faults of its new normal is rejected — unless the
/// new normal itself hides them, which a nearest-neighbour detector fitted on the same windows measures.
/// </summary>
public sealed class ProbeGuardTests
{
    static readonly AnomalyModel Base = Rooms.Base().WithProbeReference(0.95);
    static readonly float[] RoomB = Rooms.Windows(160, 2, roomB: true);
    static readonly long[] Ids = [.. Enumerable.Range(0, 160).Select(i => (long)i)];
    const int D = Rooms.D;

    /// <summary>A "fault" line added to each window (what the room-B faults of <see cref="Rooms"/> add).</summary>
    static readonly ProbeSet FaultLines = new(["line"], (windows, n) =>
    {
        float[] probes = (float[])windows.Clone();
        for (int s = 0; s < n; s++) { probes[s * D + 8] += 1.5f; probes[s * D + 9] += 1.5f; }
        return probes;
    });

    /// <summary>Windows of room B whose features 8 and 9 wander over a range of 10 on their own: the line is part of this room's normal.</summary>
    static float[] WanderingRoom(int n, int seed)
    {
        float[] x = Rooms.Windows(n, seed, roomB: true);
        var random = new Random(seed);
        for (int s = 0; s < n; s++)
        {
            float wander = (float)(10 * random.NextDouble());
            x[s * D + 8] += wander;
            x[s * D + 9] += wander;
        }
        return x;
    }

    /// <summary>Squared distance to the room's centre, over the features a scorer looks at, with the threshold at its 99th percentile on calibration windows.</summary>
    internal static (Func<float[], int, float[]> Score, float Threshold) Scorer(float[] fit, float[] calibration, Func<int, bool> looksAt)
    {
        int n = fit.Length / D;
        float[] centre = [.. Enumerable.Range(0, D).Select(j => Enumerable.Range(0, n).Average(s => fit[s * D + j]))];
        float[] Score(float[] x, int count) => [.. Enumerable.Range(0, count).Select(s =>
            Enumerable.Range(0, D).Where(looksAt).Sum(j => (x[s * D + j] - centre[j]) * (x[s * D + j] - centre[j])))];
        return (Score, Quantiles.Of(Score(calibration, calibration.Length / D), 0.99));
    }

    static ProbeVerdict Judge(float[] room, Func<int, bool> looksAt, double? baseReference)
    {
        float[] fit = room[..(100 * D)], calibration = room[(100 * D)..(130 * D)], held = room[(130 * D)..];
        (Func<float[], int, float[]> score, float threshold) = Scorer(fit, calibration, looksAt);
        return ProbeGuard.Judge(score, threshold, FaultLines, held, fit, calibration, D, 0.01, baseReference, 0.2)!;
    }

    [Fact]
    public void A_scorer_that_ignores_where_the_fault_shows_is_blind_and_a_whole_one_is_not()
    {
        float[] room = Rooms.Windows(160, 11, roomB: true);
        ProbeVerdict blind = Judge(room, j => j is not (8 or 9), 0.95);
        Assert.False(blind.Passed);
        Assert.True(blind.Worst.Neighbours > 0.9, $"the neighbours flag {blind.Worst.Neighbours:P0} of the lines");
        Assert.StartsWith("blind to synthetic line probes", blind.Blindness);
        Assert.True(Judge(room, _ => true, 0.95).Passed);
    }

    [Fact]
    public void Where_the_new_normal_itself_hides_the_probes_a_scorer_that_misses_them_is_not_called_blind()
    {
        ProbeVerdict verdict = Judge(WanderingRoom(160, 12), j => j is not (8 or 9), 0.95);
        Assert.True(verdict.Worst.Neighbours < 0.5, $"the neighbours still flag {verdict.Worst.Neighbours:P0}");
        Assert.True(verdict.Passed, verdict.Blindness);
        // Held to the base's reference alone (what the guard did before it measured the room) the same scorer fails.
        Assert.True(verdict.Worst.Candidate < 0.95 - 0.2);
    }

    [Fact]
    public void The_bar_is_never_above_the_base_reference()
    {
        ProbeVerdict verdict = Judge(Rooms.Windows(160, 13, roomB: true), _ => true, 0.3);
        Assert.All(verdict.Kinds, k => Assert.True(k.Reference <= 0.3));
    }

    [Fact]
    public void Adapting_reports_the_guard_verdict_kind_by_kind_and_promotes_a_candidate_that_still_flags_the_probes()
    {
        (_, CandidateReport report) = ModelAdapter.Adapt(Base, RoomB, Ids, [], Rooms.Adaptation, probes: FaultLines);
        Assert.True(report.Accepted, report.Reason);
        ProbeKindVerdict line = Assert.Single(report.Probes!.Kinds);
        Assert.Equal("line", line.Kind);
        Assert.True(line.Candidate > 0.9, $"probe recall {line.Candidate}");
        Assert.Equal(report.ProbeRecallAfter, line.Candidate);
    }

    [Fact]
    public void A_failed_verdict_is_waived_only_while_the_version_replaced_flags_at_least_the_given_share()
    {
        AdaptationOptions failing = Rooms.Adaptation with { MaxProbeRecallDrop = -1 }; // no candidate can pass
        (_, CandidateReport refused) = ModelAdapter.Adapt(Base, RoomB, Ids, [], failing, probes: FaultLines);
        Assert.False(refused.Accepted);
        Assert.StartsWith("blind to synthetic line probes", refused.Reason);
        Assert.True(refused.FalseAlarmsBefore > 0.5, $"the base flags {refused.FalseAlarmsBefore:P0} of room B");

        (_, CandidateReport waived) = ModelAdapter.Adapt(Base, RoomB, Ids, [], failing with { WaiveProbesAbove = refused.FalseAlarmsBefore }, probes: FaultLines);
        Assert.True(waived.Accepted, waived.Reason);
        Assert.False(waived.Probes!.Passed);
        Assert.Equal($"waived, the version it replaces flags {refused.FalseAlarmsBefore:P1} of the same new-normal windows", waived.Probes.Waiver);
        Assert.Contains($"({waived.Probes.Waiver}: blind to synthetic line probes", waived.Reason);

        (_, CandidateReport notReached) = ModelAdapter.Adapt(Base, RoomB, Ids, [], failing with { WaiveProbesAbove = refused.FalseAlarmsBefore + 1e-6 }, probes: FaultLines);
        Assert.False(notReached.Accepted);
        Assert.Null(notReached.Probes!.Waiver);
    }

    [Fact]
    public void Without_probes_the_guard_does_not_judge()
    {
        (_, CandidateReport report) = ModelAdapter.Adapt(Base, RoomB, Ids, [], Rooms.Adaptation);
        Assert.True(report.Accepted, report.Reason);
        Assert.Null(report.Probes);
    }

    [Fact]
    public void The_probe_reference_survives_the_base_file_and_changes_the_base_hash()
    {
        AnomalyModel plain = Rooms.Base();
        AnomalyModel probed = plain.WithProbeReference(0.875);
        Assert.NotEqual(plain.BaseHash, probed.BaseHash);
        byte[] bytes = Models.ModelFile.Serialize(AnomalyModelDocuments.Base(probed));
        AnomalyModel read = AnomalyModelDocuments.ReadBase(Models.ModelFile.Deserialize(bytes), probed.BaseHash);
        Assert.Equal(0.875, read.ProbeReference);
        Assert.Null(AnomalyModelDocuments.ReadBase(Models.ModelFile.Deserialize(Models.ModelFile.Serialize(AnomalyModelDocuments.Base(plain))), plain.BaseHash).ProbeReference);
    }
}
