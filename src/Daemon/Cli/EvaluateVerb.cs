using System.Globalization;
using System.Text;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Daemon.Training;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.FineTuning;
using SensorOdl.Learning.Models;

namespace SensorOdl.Daemon.Cli;

public sealed record ScoreDistribution(double Min, double P50, double P90, double P99, double Max, double Mean);

public sealed record RecordingEvaluation(string File, int Windows, double Flagged);

public sealed record EvaluationReport(string Data, string Filter, string Model, double Threshold, int Windows, double Flagged,
    ScoreDistribution Scores, IReadOnlyList<RecordingEvaluation> Recordings);

/// <summary>`sensorodl evaluate`: the share of windows a model flags, and the score distribution.</summary>
public sealed class EvaluateVerb : IVerb
{
    public string Name => "evaluate";
    public string Summary => "score recordings with the active (or a given) model";
    public string Help => """
        usage: sensorodl evaluate --data DIR --filter FILTER [--model FILE] [--json] [--out FILE]

        Scores every window of the selected recordings with the active model of the state directory (or
        the base model in FILE) and reports the share flagged above its threshold, per recording and in all,
        with the score distribution.

        """;

    public Task<int> RunAsync(ParsedArguments arguments, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        DaemonSettings settings = arguments.LoadSettings();
        string data = arguments.String("data") ?? throw new UsageException("--data DIR is required.");
        string filter = arguments.String("filter") ?? throw new UsageException("--filter FILTER is required.");
        string? modelFile = arguments.String("model");
        arguments.String("out");
        arguments.Has("json");
        arguments.RejectUnknown();

        (AnomalyModel model, string name) = Load(settings, modelFile);
        RecordingFeatures frames = RecordingFeatures.Read(data, filter, settings.Sensor.WindowSize);
        if (frames.Config.MismatchWith(model.FeatureConfig) is { } mismatch)
            throw new UsageException($"the model was trained on features {model.FeatureConfig}, these recordings give {frames.Config}. {mismatch}");
        float[] scores = model.ScoreMany(frames.Features, frames.Count);
        var perRecording = frames.Origins.Select((o, i) => (o.Recording.File, Flagged: scores[i] > model.Threshold))
            .GroupBy(x => x.File)
            .Select(g => new RecordingEvaluation(g.Key, g.Count(), Math.Round(g.Count(x => x.Flagged) / (double)g.Count(), 4)))
            .ToList();
        var report = new EvaluationReport(data, filter, name, model.Threshold, frames.Count,
            Math.Round(scores.Count(s => s > model.Threshold) / (double)Math.Max(1, frames.Count), 4),
            new ScoreDistribution(scores.Min(), Quantiles.Of(scores, 0.5), Quantiles.Of(scores, 0.9), Quantiles.Of(scores, 0.99), scores.Max(), scores.Average()),
            perRecording);
        ReportOutput.Write(report, Table(report), arguments, stdout);
        return Task.FromResult(0);
    }

    static (AnomalyModel, string) Load(DaemonSettings settings, string? file)
    {
        if (file is not null)
        {
            (ModelDocument document, string hash) = ModelFile.Read(file);
            return (AnomalyModelDocuments.ReadBase(document, hash), file);
        }
        using StateDatabase state = StateDatabase.Open(settings.StateDirectory);
        var registry = new ModelRegistry(state, settings.StateDirectory);
        ModelVersionRecord active = registry.Active ?? throw new UsageException($"no active model in {settings.StateDirectory}; give --model FILE or train one.");
        return (registry.Load(active, new FineTuneOptions()), $"version {active.Version} ({active.Method})");
    }

    static string Table(EvaluationReport r)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{r.Windows} windows of {r.Filter} scored by {r.Model}: {r.Flagged:P1} above the threshold {r.Threshold:G5}");
        text.AppendLine(CultureInfo.InvariantCulture, $"scores: min {r.Scores.Min:G4}  median {r.Scores.P50:G4}  p90 {r.Scores.P90:G4}  p99 {r.Scores.P99:G4}  max {r.Scores.Max:G4}  mean {r.Scores.Mean:G4}");
        foreach (RecordingEvaluation e in r.Recordings) text.AppendLine(CultureInfo.InvariantCulture, $"  {e.File,-40} {e.Windows,5} windows  {e.Flagged,7:P1} flagged");
        return text.ToString();
    }
}
