using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.Caches;

namespace SensorOdl.Learning.Tests;

/// <summary>The daemon's Learning:Threads: an adaptation's base forward passes on several threads give the same candidate to the bit.</summary>
public class AdaptationThreadsTests
{
    static readonly AnomalyModel Trained = Rooms.Base();

    [Theory]
    [InlineData("skip2-lora-q4")]
    [InlineData(ModelAdapter.FullRetrain)]
    public void A_candidate_fitted_on_three_threads_is_the_one_fitted_on_one(string method)
    {
        float[] roomB = Rooms.Windows(160, 6, roomB: true);
        long[] ids = [.. Enumerable.Range(0, 160).Select(i => (long)i)];
        float[] test = Rooms.Windows(50, 10, roomB: true);
        (AnomalyModel Candidate, CandidateReport Report) Fit(int threads) => ModelAdapter.Adapt(Trained, roomB, ids, [],
            Rooms.Adaptation with { Method = method, Threads = threads, Renormalise = false, Training = Rooms.Adaptation.Training with { Epochs = 8 } },
            new InMemoryForwardCacheStore());

        (AnomalyModel one, CandidateReport oneReport) = Fit(1);
        (AnomalyModel three, CandidateReport threeReport) = Fit(3);

        Assert.Equal(1, one.Base.Threads);
        Assert.Equal(3, three.Base.Threads); // the option reached the network that ran the fit
        Assert.Equal(1, Trained.Base.Threads); // and not the caller's model, which keeps scoring
        Assert.Equal(oneReport.Threshold, threeReport.Threshold);
        Assert.Equal(oneReport.FalseAlarmsAfter, threeReport.FalseAlarmsAfter);
        float[] Scores(AnomalyModel model) => [.. Enumerable.Range(0, 50).Select(s => model.Score(test.AsSpan(s * Rooms.D, Rooms.D)))];
        Assert.Equal(Scores(one), Scores(three));
        Assert.Equal(one.ScoreNormalized(one.NormalizeMany(test, 50), 50), three.ScoreNormalized(three.NormalizeMany(test, 50), 50));
    }
}
