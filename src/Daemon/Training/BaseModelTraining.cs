using SensorOdl.Drivers.Features;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Replay;
using SensorOdl.Drivers.Simulation;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Training;

/// <summary>What a base model is trained on and how: the recordings, the window size, the false-alarm budget, the epochs, the score and the layers.</summary>
public sealed record BaseTrainingRequest(string Data, string Filter, int WindowSize, double FalseAlarmBudget, int Epochs,
    double ScoreShare = ReconstructionScore.DefaultShare, IReadOnlyList<int>? Hidden = null)
{
    /// <summary>A request shaped by the <c>Anomaly</c> settings (budget, score share, hidden layers).</summary>
    public static BaseTrainingRequest For(string data, string filter, int windowSize, int epochs, AnomalySettings anomaly) =>
        new(data, filter, windowSize, anomaly.FalseAlarmBudget, epochs, anomaly.ScoreShare, anomaly.Hidden);
}

/// <summary>
/// Trains base models (full back-propagation, then threshold calibration and reference statistics): from
/// recordings for `train` and `adapt-eval`, and for the simulated machine on a first start and in `demo`.
/// </summary>
public static class BaseModelTraining
{
    /// <summary>Windows of the simulated machine a first-start base is trained on.</summary>
    public const int SimulatedMachineWindows = 600;

    /// <summary>The autoencoder on the windows <see cref="BaseTrainingRequest.Filter"/> selects; <paramref name="exemplarFilter"/> adds fault exemplars it must keep flagging.</summary>
    public static AnomalyModel Autoencoder(BaseTrainingRequest request, string? exemplarFilter, TextWriter log, CancellationToken cancellation)
    {
        RecordingFeatures normal = RecordingFeatures.Read(request.Data, request.Filter, request.WindowSize);
        float[]? exemplars = null;
        if (exemplarFilter is not null)
        {
            RecordingFeatures faults = RecordingFeatures.Read(request.Data, exemplarFilter, request.WindowSize);
            if (faults.Config != normal.Config) throw new TrainingDataException("the exemplar filter selects recordings of another kind than the training filter.");
            exemplars = ExcludeStandstill(faults);
        }
        log.WriteLine($"training on {normal.Count} windows ({normal.Size} features each){(exemplars is null ? "" : $", {exemplars.Length / normal.Size} fault exemplars")}");
        AnomalyModel model = AnomalyTrainer.TrainBase(normal.Features, normal.Count, normal.Config.ToJson(), Options(request), cancellation: cancellation, exemplars: exemplars);
        return WithProbeReference(model, normal, request);
    }

    /// <summary>
    /// Records the share of synthetic fault probes of its own normal windows the base flags, the recall the
    /// probe guard holds later candidates to; a base on features probes cannot be made from is left as it is.
    /// </summary>
    static AnomalyModel WithProbeReference(AnomalyModel model, RecordingFeatures normal, BaseTrainingRequest request)
    {
        int step = Math.Max(1, normal.Count / ProbeReferenceWindows);
        if (normal.Format.Kind != FrameKind.Spectrum)
            return Adaptation.FeatureProbes.RecallOnFrames(model, normal.Format, RawFrames(request).Where((_, i) => i % step == 0)) is double recall
                ? model.WithProbeReference(Math.Round(recall, 4)) : model;
        if (Adaptation.FeatureProbes.For(normal.Format) is not { } probes) return model;
        int[] rows = [.. Enumerable.Range(0, normal.Count).Where(i => i % step == 0)];
        float[] windows = [.. rows.SelectMany(i => normal.Row(i).ToArray())];
        return model.WithProbeReference(Math.Round(Adaptation.FeatureProbes.Recall(model, probes, windows, rows.Length), 4));
    }

    /// <summary>The training recordings' raw windows (waveform probes are made from them, not from features); one frame, refilled.</summary>
    static IEnumerable<SensorFrame> RawFrames(BaseTrainingRequest request)
    {
        using var replay = new ReplaySensor(new ReplaySettings(request.Data, request.Filter, Speed: 0, Loop: false), request.WindowSize);
        SensorFrame frame = replay.CreateFrame();
        while (replay.Read(frame) == SensorReadResult.Ok) yield return frame;
    }

    /// <summary>Normal windows (evenly spread over the training set) the probe reference is measured on.</summary>
    const int ProbeReferenceWindows = 300;

    /// <summary>The classifier head: each window labelled with its recording's <paramref name="field"/>; the score is 1 − P(<paramref name="normalValue"/>).</summary>
    public static AnomalyModel Classifier(BaseTrainingRequest request, string field, string normalValue, TextWriter log, CancellationToken cancellation)
    {
        RecordingFeatures frames = RecordingFeatures.Read(request.Data, request.Filter, request.WindowSize);
        string Class(int i) => frames.Origins[i].Recording.Text(field) ?? throw new TrainingDataException($"recording {frames.Origins[i].Recording.File} has no '{field}'.");
        string[] classes = [.. Enumerable.Range(0, frames.Count).Select(Class).Distinct().Order(StringComparer.Ordinal)];
        int normal = Array.IndexOf(classes, normalValue);
        if (normal < 0 || classes.Length < 2)
            throw new TrainingDataException($"classes from '{field}' need '{normalValue}' and at least one other value among the selected recordings (found {string.Join(", ", classes)}).");
        // A faulty machine standing still looks normal: such frames teach the classifier nothing about the fault.
        int[] rows = [.. Enumerable.Range(0, frames.Count).Where(i => Class(i) == normalValue || frames.Origins[i].Speed != "o")];
        float[] features = [.. rows.SelectMany(i => frames.Row(i).ToArray())];
        int[] labels = [.. rows.Select(i => Array.IndexOf(classes, Class(i)))];
        log.WriteLine($"training a classifier on {rows.Length} windows of {classes.Length} classes ({string.Join(", ", classes)})");
        return AnomalyTrainer.TrainClassifier(features, rows.Length, labels, ModelHead.Classifier(classes, normal), frames.Config.ToJson(), Options(request), cancellation: cancellation);
    }

    /// <summary>A base for the simulated machine shaped by the <c>Anomaly</c> settings (budget, score share, hidden layers).</summary>
    public static AnomalyModel ForSimulatedMachine(FeatureTransform features, int seed, AnomalySettings anomaly) =>
        ForSimulatedMachine(features, seed, anomaly.FalseAlarmBudget, scoreShare: anomaly.ScoreShare, hidden: anomaly.Hidden);

    /// <summary>A base fitted to the default (stationary) simulated machine, on windows from its own noise seed.</summary>
    public static AnomalyModel ForSimulatedMachine(FeatureTransform features, int seed, double falseAlarmBudget, int windows = SimulatedMachineWindows,
        double scoreShare = ReconstructionScore.DefaultShare, IReadOnlyList<int>? hidden = null)
    {
        using var machine = new SimulatedMachineSensor(new SimulationSettings(
            features.Format.SampleRateHz, features.Format.Length, Seed: seed + 1000, Speed: 0));
        SensorFrame frame = machine.CreateFrame();
        var rows = new float[windows * features.Size]; // [windows, features]
        var probes = new Drivers.Features.Probes.FaultProbes(features.Format);
        var probeRow = new float[probes.Count * probes.Size];
        var made = new List<float>(); // [probed·k, d] probes of every other window, for the probe reference
        int probed = 0;
        for (int w = 0; w < windows; w++)
        {
            machine.Read(frame);
            features.Extract(frame, rows.AsSpan(w * features.Size, features.Size));
            if (w % 2 == 0 && probes.Make(frame, probeRow).IsUsable())
            {
                made.AddRange(probeRow);
                probed++;
            }
        }
        AnomalyModel model = AnomalyTrainer.TrainBase(rows, windows, features.Configuration.ToJson(),
            new AnomalyTrainingOptions { FalseAlarmBudget = falseAlarmBudget, ScoreShare = scoreShare, Hidden = hidden ?? [] });
        return probed == 0 ? model
            : model.WithProbeReference(Math.Round(Adaptation.FeatureProbes.RecallOfProbes(model, [.. made], probed, probes.Count).Average(), 4));
    }

    /// <summary>Fault frames where the machine stands still (speed o) look normal; they are not exemplars of the fault.</summary>
    public static float[] ExcludeStandstill(RecordingFeatures frames) =>
        [.. Enumerable.Range(0, frames.Count).Where(i => frames.Origins[i].Speed != "o").SelectMany(i => frames.Row(i).ToArray())];

    static AnomalyTrainingOptions Options(BaseTrainingRequest request) => new()
    {
        FalseAlarmBudget = request.FalseAlarmBudget,
        ScoreShare = request.ScoreShare,
        Hidden = request.Hidden ?? [],
        Training = new AnomalyTrainingOptions().Training with { Epochs = request.Epochs },
    };
}
