using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.Caches;
using SensorOdl.Learning.Models;

namespace SensorOdl.Learning.Tests;

/// <summary>
/// Re-centring on the new normal: a room that lifts every feature's level (a louder noise floor) is handed to the
/// adapters already centred, so their few ranks go to the shape of the change.
/// </summary>
public sealed class RenormalisationTests
{
    static readonly AnomalyModel Base = Rooms.Base();
    const int D = Rooms.D;

    /// <summary>Room A's windows with every feature lifted by 2 to 4.5 and, from feature 6 on, spread twice as wide: a louder room.</summary>
    static float[] LoudRoom(int n, int seed, bool fault = false)
    {
        float[] x = Rooms.Windows(n, seed, fault: fault);
        float[] quiet = Rooms.Windows(n, seed);
        for (int s = 0; s < n; s++)
            for (int j = 0; j < D; j++)
            {
                float wobble = j >= 6 ? quiet[s * D + j] - 1f : 0; // the room's own variation, not the fault's
                x[s * D + j] += 2 + j * 0.2f + wobble;
            }
        return x;
    }

    static (AnomalyModel Candidate, CandidateReport Report) Adapt(bool renormalise) =>
        ModelAdapter.Adapt(Base, LoudRoom(200, 21), [.. Enumerable.Range(0, 200).Select(i => (long)i)], [],
            Rooms.Adaptation with { Rank = 1, Renormalise = renormalise }, new InMemoryForwardCacheStore());

    [Fact]
    public void A_renormalised_candidate_reads_its_inputs_through_the_new_centre_and_a_spread_never_narrower_than_the_base()
    {
        (AnomalyModel candidate, CandidateReport report) = Adapt(renormalise: true);
        Assert.True(report.Accepted, report.Reason);
        float[] fitted = LoudRoom(200, 21);
        int[] fitRows = [.. Enumerable.Range(0, 200).Where(i => i % 4 > 1)];
        Assert.Equal(Normaliser.Fit(fitted, D, fitRows).Mean, candidate.Mean);
        for (int j = 0; j < D; j++) Assert.True(candidate.Std[j] >= Base.Std[j]);
        Assert.Equal(Base.Std, candidate.BaseStd);
    }

    [Fact]
    public void Renormalising_keeps_faults_in_a_louder_room_flagged_where_the_same_adapters_without_it_lose_them()
    {
        float[] faults = LoudRoom(200, 22, fault: true), normal = LoudRoom(300, 23);
        (AnomalyModel renormalised, _) = Adapt(renormalise: true);
        (AnomalyModel plain, _) = Adapt(renormalise: false);
        double recall = Rooms.Flagged(renormalised, faults), plainRecall = Rooms.Flagged(plain, faults);
        Assert.True(Rooms.Flagged(renormalised, normal) < 0.05, $"false alarms {Rooms.Flagged(renormalised, normal):P1}");
        Assert.True(recall > 0.9, $"renormalised recall {recall:P1}");
        Assert.True(recall > plainRecall + 0.1 || Rooms.Flagged(plain, normal) > 0.1,
            $"without renormalising: recall {plainRecall:P1}, false alarms {Rooms.Flagged(plain, normal):P1}");
    }

    [Fact]
    public void The_version_file_keeps_the_normaliser_and_a_file_without_one_reads_through_the_base()
    {
        (AnomalyModel candidate, _) = Adapt(renormalise: true);
        ModelDocument version = ModelFile.Deserialize(ModelFile.Serialize(AnomalyModelDocuments.Version(candidate)));
        AnomalyModel read = AnomalyModelDocuments.ReadVersion(Base, version, candidate.Adapted!.Options);
        Assert.Equal(candidate.Mean, read.Mean);
        Assert.Equal(candidate.Std, read.Std);
        float[] x = LoudRoom(10, 24);
        for (int s = 0; s < 10; s++) Assert.Equal(candidate.Score(x.AsSpan(s * D, D)), read.Score(x.AsSpan(s * D, D)));

        ModelDocument older = version with { Tensors = [.. version.Tensors.Where(t => t.Name is not ("norm.mean" or "norm.std"))] };
        Assert.Equal(Base.Mean, AnomalyModelDocuments.ReadVersion(Base, older, candidate.Adapted!.Options).Mean);
    }
}

/// <summary>The adaptation threshold's footing: every window the adapters did not fit.</summary>
public sealed class AdaptationThresholdTests
{
    [Fact]
    public void The_threshold_is_the_tail_fit_budget_quantile_of_the_calibration_and_validation_windows_together()
    {
        const int n = 120, d = Rooms.D;
        float[] roomB = Rooms.Windows(n, 31, roomB: true);
        (AnomalyModel candidate, CandidateReport report) = ModelAdapter.Adapt(Rooms.Base(), roomB, [.. Enumerable.Range(0, n).Select(i => (long)i)], [],
            Rooms.Adaptation, new Caches.InMemoryForwardCacheStore());
        float[] held = [.. Enumerable.Range(0, n).Where(i => i % 4 < 2).Select(i => candidate.Score(roomB.AsSpan(i * d, d)))];
        float[] calibrationOnly = [.. Enumerable.Range(0, n).Where(i => i % 4 == 1).Select(i => candidate.Score(roomB.AsSpan(i * d, d)))];
        Assert.Equal(60, held.Length);
        float tolerance = 1e-5f * Math.Abs(report.Threshold);
        Assert.True(Math.Abs(TailThreshold.Of(held, 0.01) - report.Threshold) <= tolerance, $"threshold {report.Threshold}, held tail quantile {TailThreshold.Of(held, 0.01)}");
        Assert.True(Math.Abs(TailThreshold.Of(calibrationOnly, 0.01) - report.Threshold) > tolerance, "the calibration quarter alone gives the same threshold: the test cannot tell the rules apart");
    }
}
