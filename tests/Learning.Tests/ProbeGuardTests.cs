using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Learning.Tests;

/// <summary>The probe guard: a candidate that no longer flags synthetic faults of its new normal is rejected.</summary>
public sealed class ProbeGuardTests
{
    static readonly AnomalyModel Base = Rooms.Base().WithProbeReference(0.95);
    static readonly float[] RoomB = Rooms.Windows(160, 2, roomB: true);
    static readonly long[] Ids = [.. Enumerable.Range(0, 160).Select(i => (long)i)];

    /// <summary>A "fault" line added to each window (what the room-B faults of <see cref="Rooms"/> add).</summary>
    static float[] FaultLines(float[] windows, int n)
    {
        float[] probes = (float[])windows.Clone();
        for (int s = 0; s < n; s++) { probes[s * Rooms.D + 8] += 1.5f; probes[s * Rooms.D + 9] += 1.5f; }
        return probes;
    }

    /// <summary>"Probes" that are the windows themselves: what a blind candidate sees as normal.</summary>
    static float[] Unchanged(float[] windows, int n) => (float[])windows.Clone();

    [Fact]
    public void A_candidate_that_still_flags_the_probes_is_promoted_and_reports_their_recall()
    {
        (_, CandidateReport report) = ModelAdapter.Adapt(Base, RoomB, Ids, [], Rooms.Adaptation, probes: FaultLines);
        Assert.True(report.Accepted, report.Reason);
        Assert.Equal(0.95, report.ProbeRecallReference);
        Assert.True(report.ProbeRecallAfter > 0.9, $"probe recall {report.ProbeRecallAfter}");
    }

    [Fact]
    public void A_candidate_blind_to_the_probes_is_rejected_with_both_recalls_in_the_reason()
    {
        (_, CandidateReport report) = ModelAdapter.Adapt(Base, RoomB, Ids, [], Rooms.Adaptation, probes: Unchanged);
        Assert.False(report.Accepted);
        Assert.StartsWith("blind to synthetic fault probes", report.Reason);
        Assert.Contains("95.0 %", report.Reason);
        Assert.True(report.ProbeRecallAfter < 0.2);
    }

    [Fact]
    public void Without_a_probe_reference_the_guard_does_not_judge()
    {
        (_, CandidateReport report) = ModelAdapter.Adapt(Rooms.Base(), RoomB, Ids, [], Rooms.Adaptation, probes: Unchanged);
        Assert.True(report.Accepted, report.Reason);
        Assert.Null(report.ProbeRecallReference);
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
