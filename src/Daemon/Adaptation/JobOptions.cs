using SensorOdl.Daemon.Configuration;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Adaptation;

/// <summary>
/// The Learning options of one adaptation fit, read from the daemon's settings in one place: the daemon's jobs and
/// adapt-eval's baselines (the full retrain and the timing on the same windows) fit with the same split, threshold rule,
/// rehearsal, seed and training, so a setting added for one cannot be missed by the other.
/// </summary>
static class JobOptions
{
    /// <param name="featureConfig">The fitted model's feature configuration (waveform models validate on blocks and are not denoised).</param>
    public static AdaptationOptions For(DaemonSettings settings, string method, int epochs, string featureConfig) => new()
    {
        Method = method,
        Rank = settings.Adaptation.Rank,
        FalseAlarmBudget = settings.Anomaly.FalseAlarmBudget,
        MinFaultRecall = settings.Adaptation.MinFaultRecall,
        MaxProbeRecallDrop = settings.Adaptation.MaxProbeRecallDrop,
        Rehearsal = settings.Adaptation.Rehearsal,
        Denoise = settings.Adaptation.DenoiseFor(featureConfig),
        ProbeBar = settings.Adaptation.ProbeBar,
        Validation = settings.Adaptation.ValidationFor(featureConfig),
        ThresholdConfidence = settings.Adaptation.ThresholdConfidence,
        Threads = settings.Learning.Threads,
        Seed = settings.Adaptation.Seed,
        Training = AdaptationOptions.Defaults.Training with
        {
            Epochs = epochs,
            LearningRate = (float)settings.Adaptation.LearningRate,
            BatchSize = settings.Adaptation.BatchSize,
        },
    };
}
