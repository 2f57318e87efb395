using SensorOdl.Drivers.Features.Probes;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Adaptation;

/// <summary>
/// Synthetic fault probes of stored windows, for the probe guard. The sample store keeps feature vectors only;
/// spectra can be turned back into amplitudes and perturbed, waveform features cannot (their probes would have to
/// be made from the raw windows as they arrive — not done yet), so for waveforms there is no probe maker.
/// </summary>
public static class FeatureProbes
{
    /// <summary>A maker for features of this format, or null when probes cannot be made from stored features.</summary>
    public static ProbeMaker? For(SensorFormat format)
    {
        if (!new FaultProbes(format).CanMakeFromFeatures) return null;
        return (windows, n) =>
        {
            var probes = new FaultProbes(format); // one per call: the job runs on its own thread
            int d = probes.Size, k = probes.Count;
            var result = new float[n * k * d]; // [n·k, d]
            for (int i = 0; i < n; i++)
                probes.MakeFromFeatures(windows.AsSpan(i * d, d), result.AsSpan(i * k * d, k * d));
            return result;
        };
    }

    /// <summary>The share of probes made from <paramref name="normal"/> ([n, d] raw features) that <paramref name="model"/> flags.</summary>
    public static double Recall(AnomalyModel model, ProbeMaker probes, float[] normal, int n)
    {
        float[] made = probes(normal, n);
        int count = made.Length / model.InputSize;
        float[] scores = model.ScoreNormalized(model.NormalizeMany(made, count), count);
        return count == 0 ? 0 : scores.Count(s => s > model.Threshold) / (double)count;
    }
}
