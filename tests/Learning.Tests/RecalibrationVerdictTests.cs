using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Learning.Tests;

/// <summary>
/// <see cref="AdaptationOptions.Recalibrates"/>: the refit of a version whose threshold was read from few held-out windows
/// is judged on whether its false alarms stay within the budget, not on whether they fell — the version in use flags none
/// when its threshold sits above the normal tail — and the other guards still judge it.
/// </summary>
public sealed class RecalibrationVerdictTests
{
    const int D = Rooms.D;

    static long[] Ids(int n) => [.. Enumerable.Range(0, n).Select(i => (long)i)];

    /// <summary>The first fit of room B, with its threshold raised as an unlucky tail of few held-out windows raises it: it flags none of the room.</summary>
    static AnomalyModel HighThresholdVersion()
    {
        (AnomalyModel adapted, CandidateReport first) = ModelAdapter.Adapt(Rooms.Base(), Rooms.Windows(160, 2, roomB: true), Ids(160), [], Rooms.Adaptation);
        Assert.True(first.Accepted, first.Reason);
        return adapted.WithAdapters(adapted.Adapted, adapted.Threshold * 3, adapted.Reference);
    }

    [Fact]
    public void A_recalibration_is_kept_although_its_false_alarms_rose_from_none_to_within_the_budget()
    {
        AnomalyModel inUse = HighThresholdVersion();
        float[] more = Rooms.Windows(1200, 5, roomB: true); // 300 validate: a 1 % budget lets about 3 through
        Assert.Equal(0, Rooms.Flagged(inUse, more));

        (_, CandidateReport plain) = ModelAdapter.Adapt(inUse, more, Ids(1200), [], Rooms.Adaptation);
        (AnomalyModel recalibrated, CandidateReport recalibration) = ModelAdapter.Adapt(inUse, more, Ids(1200), [], Rooms.Adaptation with { Recalibrates = true });

        Assert.False(plain.Accepted);
        Assert.StartsWith("false alarms on held-back new-normal windows did not fall (0.0 % → ", plain.Reason);
        Assert.True(recalibration.Accepted, recalibration.Reason);
        Assert.True(recalibration.FalseAlarmsAfter > 0, "the refit's threshold lets part of the budget through");
        Assert.True(recalibrated.Threshold < inUse.Threshold / 2, $"threshold {recalibrated.Threshold} against the version in use's {inUse.Threshold}");
        Assert.InRange(Rooms.Flagged(recalibrated, Rooms.Windows(1000, 9, roomB: true)), 0.001, 0.03);
    }

    [Fact]
    public void A_recalibration_still_answers_to_the_known_faults()
    {
        AnomalyModel inUse = HighThresholdVersion();
        float[] more = Rooms.Windows(400, 5, roomB: true);
        float[] knownFaults = Rooms.Windows(40, 6, roomB: true); // labelled faulty, yet scored as the new normal

        (_, CandidateReport report) = ModelAdapter.Adapt(inUse, more, Ids(400), knownFaults, Rooms.Adaptation with { Recalibrates = true });

        Assert.False(report.Accepted);
        Assert.StartsWith("known faults would go unflagged", report.Reason);
    }
}
