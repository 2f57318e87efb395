using SensorOdl.Learning.Baselines;

namespace SensorOdl.Learning.Tests;

public sealed class PcaDetectorTests
{
    [Fact]
    public void Eigen_decomposition_reconstructs_a_symmetric_matrix()
    {
        var random = new Random(1);
        int d = 12;
        var a = new double[d * d];
        for (int i = 0; i < d; i++)
            for (int j = i; j < d; j++) a[i * d + j] = a[j * d + i] = random.NextDouble() - 0.5;
        double[] original = (double[])a.Clone();
        (double[] values, double[] vectors) = SymmetricEigen.Decompose(a, d);
        for (int k = 1; k < d; k++) Assert.True(values[k - 1] >= values[k]);
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
            {
                double sum = 0;
                for (int k = 0; k < d; k++) sum += vectors[k * d + i] * values[k] * vectors[k * d + j];
                Assert.Equal(original[i * d + j], sum, 9);
            }
    }

    [Fact]
    public void Windows_off_the_learned_subspace_score_above_the_threshold()
    {
        // Normal windows live on a 2-D plane in 8-D (plus a little noise); faults leave the plane.
        var random = new Random(2);
        int d = 8, n = 400;
        float[] Windows(int count, bool fault)
        {
            var x = new float[count * d];
            for (int i = 0; i < count; i++)
            {
                double a = random.NextDouble() * 4 - 2, b = random.NextDouble() * 4 - 2;
                for (int j = 0; j < d; j++)
                    x[i * d + j] = (float)(a * Math.Sin(j) + b * Math.Cos(2 * j) + 0.01 * (random.NextDouble() - 0.5) + (fault && j == 3 ? 1.0 : 0));
            }
            return x;
        }
        PcaDetector pca = PcaDetector.Fit(Windows(n, false), n, Windows(200, false), d, falseAlarmBudget: 0.01);
        Assert.InRange(pca.ComponentCount, 2, 3);
        double flaggedNormal = pca.Scores(Windows(500, false), 500).Count(s => s > pca.Threshold) / 500.0;
        double flaggedFaults = pca.Scores(Windows(500, true), 500).Count(s => s > pca.Threshold) / 500.0;
        Assert.True(flaggedNormal < 0.05, $"normal windows flagged: {flaggedNormal:P1}");
        Assert.True(flaggedFaults > 0.95, $"faults flagged: {flaggedFaults:P1}");
    }
}
