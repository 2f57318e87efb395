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
    public static ProbeSet? For(SensorFormat format)
    {
        var kinds = new FaultProbes(format);
        if (!kinds.CanMakeFromFeatures) return null;
        return new ProbeSet(kinds.Names, (windows, n) =>
        {
            var probes = new FaultProbes(format); // one per call: the job runs on its own thread
            int d = probes.Size, k = probes.Count;
            var result = new float[n * k * d]; // [n·k, d]
            for (int i = 0; i < n; i++)
                probes.MakeFromFeatures(windows.AsSpan(i * d, d), result.AsSpan(i * k * d, k * d));
            return result;
        });
    }

    /// <summary>The share of probes made from <paramref name="normal"/> ([n, d] raw features) that <paramref name="model"/> flags, all kinds together.</summary>
    public static double Recall(AnomalyModel model, ProbeSet probes, float[] normal, int n) => RecallByKind(model, probes, normal, n).Average();

    /// <summary>The same per probe kind, in the order of <see cref="FaultProbes.Names"/> (each window gives one probe of every kind).</summary>
    public static double[] RecallByKind(AnomalyModel model, ProbeSet probes, float[] normal, int n)
    {
        float[] made = probes.Make(normal, n); // [n·k, d]: window i's probe of kind p is row i·k + p
        int count = made.Length / model.InputSize, kinds = probes.Kinds.Count;
        float[] scores = model.ScoreNormalized(model.NormalizeMany(made, count), count);
        return [.. Enumerable.Range(0, kinds).Select(k =>
            n == 0 ? 0 : Enumerable.Range(0, n).Count(i => scores[i * kinds + k] > model.Threshold) / (double)n)];
    }
}
