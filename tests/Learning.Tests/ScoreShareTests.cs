using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.Models;
using SensorOdl.Learning.Training;

namespace SensorOdl.Learning.Tests;

/// <summary>
/// The autoencoder's score on its largest errors (<see cref="ReconstructionScore"/>): the mean of the largest share of a
/// window's squared reconstruction errors, so that a fault in a few features is not averaged away by a loud room's noise
/// over all of them.
/// </summary>
public sealed class ScoreShareTests
{
    const int D = 128;

    /// <summary>Windows of 128 features shaped by two latent factors plus a noise floor of σ 0.3; a line lifts features 20 and 21.</summary>
    static float[] Windows(int n, int seed, double line = 0)
    {
        var random = new Random(seed);
        var x = new float[n * D];
        for (int s = 0; s < n; s++)
        {
            double a = 1 + random.NextDouble(), b = random.NextDouble();
            for (int i = 0; i < D; i++)
                x[s * D + i] = (float)(a * Math.Exp(-i / 32.0) + b * Math.Sin(i / 16.0) + 0.3 * Gaussian(random) + (i is 20 or 21 ? line : 0));
        }
        return x;
    }

    static double Gaussian(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    static AnomalyModel Base(double share) =>
        AnomalyTrainer.TrainBase(Windows(600, 1), 600, "{\"kind\":\"test\"}", new AnomalyTrainingOptions { ScoreShare = share, ReservoirSize = 16 });

    [Fact]
    public void A_few_shifted_features_among_many_noisy_ones_stand_out_more_on_the_largest_quarter_than_on_the_mean_of_all()
    {
        // Residuals of 512 features, normal: every one N(0, 1), the noise no model predicts; a fault shifts 8 of them by 3.
        // At the same 1 % of normal residuals flagged, the mean of all 512 squared errors flags 42 % of the faults and
        // the mean of the largest 128 58 % (as written): the quarter keeps more of the fault's weight in the score.
        double mean = Recall(1), quarter = Recall(0.25);
        Assert.True(quarter >= mean + 0.05, $"recall {mean:P1} on the mean of all errors, {quarter:P1} on the largest quarter");
    }

    /// <summary>The share of faulty residual vectors above the 99th percentile of normal ones' scores.</summary>
    static double Recall(double share)
    {
        const int d = 512, faults = 4000;
        var random = new Random(5);
        var zero = new float[d];
        var score = new ReconstructionScore(d, share);
        float[] Residual(bool fault)
        {
            float[] r = [.. Enumerable.Range(0, d).Select(_ => (float)Gaussian(random))];
            if (fault) for (int i = 100; i < 108; i++) r[i] += 3;
            return r;
        }
        float[] normal = [.. Enumerable.Range(0, 4000).Select(_ => score.Of(Residual(false), zero))];
        float threshold = Quantiles.Of(normal, 0.99);
        return Enumerable.Range(0, faults).Count(_ => score.Of(Residual(true), zero) > threshold) / (double)faults;
    }

    [Fact]
    public void The_score_is_the_mean_of_the_largest_share_of_squared_errors_and_all_of_them_at_share_one()
    {
        float[] target = [0, 0, 0, 0, 0, 0, 0, 0], prediction = [1, -3, 0.5f, 2, 0, -1, 4, 0.25f];
        Assert.Equal(2, ReconstructionScore.CountOf(8, 0.25));
        Assert.Equal((16f + 9f) / 2, new ReconstructionScore(8, 0.25).Of(prediction, target));
        Assert.Equal((16f + 9f + 4f) / 3, new ReconstructionScore(8, 0.3).Of(prediction, target)); // ⌈2.4⌉ = 3
        Assert.Equal(MeanSquaredError.PerSample(prediction, target), new ReconstructionScore(8, 1).Of(prediction, target));
        Assert.Equal(1, ReconstructionScore.CountOf(8, 0.01));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReconstructionScore(8, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReconstructionScore(8, 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReconstructionScore(8, double.NaN));
    }

    [Fact]
    public void The_selection_sums_the_same_largest_values_a_sort_would_ties_and_all()
    {
        var random = new Random(7);
        for (int trial = 0; trial < 2000; trial++)
        {
            int n = random.Next(1, 300), k = random.Next(1, n + 1);
            float[] values = [.. Enumerable.Range(0, n).Select(_ => (trial % 3) switch
            {
                0 => random.Next(0, 5),                                  // ties, zeros among them
                1 => (float)random.NextDouble(),
                _ => (float)(Math.Pow(random.NextDouble(), 8) * 1e4),   // squared errors over many binades
            })];
            float expected = values.OrderByDescending(v => v).Take(k).Sum();
            float got = ReconstructionScore.SumOfLargest(values, k);
            Assert.True(Math.Abs(expected - got) <= 1e-4f * Math.Max(1, expected), $"n {n}, k {k}: {got} ≠ {expected}");
        }
    }

    [Fact]
    public void The_share_is_kept_in_the_base_file_as_format_3_and_a_base_without_it_scores_the_plain_mean()
    {
        AnomalyModel quarter = Base(0.25);
        byte[] bytes = ModelFile.Serialize(AnomalyModelDocuments.Base(quarter));
        ModelDocument document = ModelFile.Deserialize(bytes);
        Assert.Equal("3", document.Metadata["anomalyFormat"]);
        AnomalyModel read = AnomalyModelDocuments.ReadBase(document, ModelFile.Hash(bytes));
        Assert.Equal(0.25, read.ScoreShare);
        float[] window = Windows(1, 9, line: 0.6);
        Assert.Equal(quarter.Score(window), read.Score(window));
        Assert.Equal(0.25, read.ForAnotherThread().ScoreShare);
        Assert.Equal(0.25, read.WithProbeReference(0.9).ScoreShare);

        // A file from before the share: no key, read as the plain mean (its threshold was calibrated on it).
        ModelDocument previous = document with
        {
            Metadata = document.Metadata.Where(m => m.Key is not ("scoreShare" or "anomalyFormat")).ToDictionary(),
        };
        byte[] previousBytes = ModelFile.Serialize(previous);
        AnomalyModel old = AnomalyModelDocuments.ReadBase(ModelFile.Deserialize(previousBytes), ModelFile.Hash(previousBytes));
        Assert.Equal(1, old.ScoreShare);
        Assert.Equal(Base(1).Score(window), old.Score(window)); // the share does not change the training, only the score
        Assert.NotEqual(read.Score(window), old.Score(window));

        ModelDocument broken = document with { Metadata = new Dictionary<string, string>(document.Metadata) { ["scoreShare"] = "1.5" } };
        Assert.Throws<ModelFormatException>(() => AnomalyModelDocuments.ReadBase(broken, "h"));
    }
}
