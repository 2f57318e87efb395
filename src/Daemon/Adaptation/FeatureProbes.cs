using SensorOdl.Daemon.Storage;
using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Features.Probes;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Adaptation;

/// <summary>
/// Synthetic fault probes of stored windows, for the probe guard. Spectra are turned back into amplitudes and
/// perturbed when a job runs; waveform features cannot be inverted, so their probes are made from the raw windows
/// as they arrive (<see cref="Pipeline.WindowProber"/>) and looked up here by sample id.
/// </summary>
public static class FeatureProbes
{
    /// <summary>A maker for features of this format: spectra from the features themselves, waveforms from the probes
    /// <paramref name="samples"/> keeps beside its windows (null without a store), a verdict on them refusing a candidate
    /// only when <paramref name="enforceWaveform"/> (else reported: `Adaptation:EnforceWaveformProbes`).</summary>
    public static ProbeSet? For(SensorFormat format, SampleStore? samples = null, bool enforceWaveform = false)
    {
        var kinds = new FaultProbes(format);
        if (!kinds.CanMakeFromFeatures)
            return samples is null ? null : ProbeSet.FromStore(kinds.Names, ids => samples.ProbesOf(ids), advisory: !enforceWaveform);
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
    public static double[] RecallByKind(AnomalyModel model, ProbeSet probes, float[] normal, int n) =>
        RecallOfProbes(model, probes.Make(normal, n), n, probes.Kinds.Count);

    /// <summary>Per kind, the share of <paramref name="made"/> ([n·k, d] raw features: window i's probe of kind p is row i·k + p) that <paramref name="model"/> flags.</summary>
    public static double[] RecallOfProbes(AnomalyModel model, float[] made, int n, int kinds)
    {
        int count = made.Length / model.InputSize;
        float[] scores = model.ScoreMany(made, count);
        return [.. Enumerable.Range(0, kinds).Select(k =>
            n == 0 ? 0 : Enumerable.Range(0, n).Count(i => scores[i * kinds + k] > model.Threshold) / (double)n)];
    }

    /// <summary>
    /// [n·k, d] probes of raw frames (waveforms), made as the daemon makes them when windows arrive; frames whose probes are
    /// unusable are skipped. Returns the probes and how many frames gave them.
    /// </summary>
    public static (float[] Probes, int Windows) OfFrames(SensorFormat format, IEnumerable<SensorFrame> frames)
    {
        var probes = new FaultProbes(format);
        int rowLength = probes.Count * probes.Size;
        var row = new float[rowLength];
        var made = new List<float>();
        int windows = 0;
        foreach (SensorFrame frame in frames)
        {
            if (!probes.Make(frame, row).IsUsable()) continue;
            made.AddRange(row);
            windows++;
        }
        return ([.. made], windows);
    }

    /// <summary>The share of probes of <paramref name="frames"/> (raw waveform windows) <paramref name="model"/> flags, all kinds together; null when none gave probes.</summary>
    public static double? RecallOnFrames(AnomalyModel model, SensorFormat format, IEnumerable<SensorFrame> frames)
    {
        (float[] made, int n) = OfFrames(format, frames);
        return n == 0 ? null : RecallOfProbes(model, made, n, new FaultProbes(format).Count).Average();
    }
}
