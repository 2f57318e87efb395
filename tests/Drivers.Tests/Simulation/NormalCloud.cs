namespace SensorOdl.Drivers.Tests.Simulation;

/// <summary>
/// Normal windows in the space the anomaly model sees: each feature standardised by a normal take's mean and spread,
/// floored as the model's normaliser does (AnomalyTrainer.FitNormaliser). <see cref="Spread"/> is the distance of the
/// farthest window of a second, independent normal take: how far normal alone reaches.
/// </summary>
internal sealed class NormalCloud
{
    private readonly double[] _mean;
    private readonly double[] _std;

    // reference, second: [windows][features], two normal takes with different seeds
    public NormalCloud(float[][] reference, float[][] second)
    {
        _mean = Mean(reference);
        _std = new double[_mean.Length];
        for (int f = 0; f < _mean.Length; f++)
        {
            double variance = reference.Average(w => (w[f] - _mean[f]) * (w[f] - _mean[f]));
            _std[f] = Math.Max(Math.Sqrt(variance), Math.Max(1e-6, 1e-3 * Math.Abs(_mean[f])));
        }
        Spread = second.Max(w => Distance(w.Select(v => (double)v).ToArray()));
    }

    public double Spread { get; }

    /// <summary>How far the mean of <paramref name="take"/> lies from the normal mean, in units of <see cref="Spread"/>.</summary>
    public double Separation(float[][] take) => Distance(Mean(take)) / Spread;

    /// <summary>Share of the windows of <paramref name="take"/> farther from the normal mean than <see cref="Spread"/>.</summary>
    public double Outside(float[][] take) => take.Count(w => Distance(w.Select(v => (double)v).ToArray()) > Spread) / (double)take.Length;

    private double Distance(double[] x)
    {
        double sum = 0;
        for (int f = 0; f < x.Length; f++) sum += Math.Pow((x[f] - _mean[f]) / _std[f], 2);
        return Math.Sqrt(sum);
    }

    private static double[] Mean(float[][] take) =>
        [.. Enumerable.Range(0, take[0].Length).Select(f => take.Average(w => (double)w[f]))];
}
