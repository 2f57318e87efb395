using System.Globalization;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Training;
using SensorOdl.Daemon.Storage;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.Models;

namespace SensorOdl.Daemon.Cli;

/// <summary>`sensorodl train`: a base anomaly model from recordings, into the registry or a file.</summary>
public sealed class TrainVerb : IVerb
{
    public string Name => "train";
    public string Summary => "train a base model from recordings (into the registry, or --model-out FILE)";
    public string Help => """
        usage: sensorodl train --data DIR --filter FILTER [--exemplars FILTER] [--model-out FILE] [--epochs N]
               sensorodl train --data DIR --filter FILTER --classes FIELD [--normal VALUE] [--model-out FILE]

        Trains the autoencoder on the recordings the filter selects (full back-propagation), calibrates the
        threshold on a held-back fifth of them to Anomaly:FalseAlarmBudget, and stores reference statistics
        for drift. --exemplars stores labelled fault windows with the model: a later adaptation must keep
        flagging them. Without --model-out the model becomes the active version of the state directory
        (Storage:StateDir), which the daemon must not hold.

        --classes FIELD trains the classifier head instead: every selected window is labelled with its
        recording's FIELD (e.g. state: normal, damage1, damage2), the score is 1 − P(normal) and the fault
        windows (where the machine turns) become the exemplars adaptation must keep flagging. --normal names
        the normal value (default normal).

        """;

    public Task<int> RunAsync(ParsedArguments arguments, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        DaemonSettings settings = arguments.LoadSettings();
        string data = arguments.String("data") ?? throw new UsageException("--data DIR is required.");
        string filter = arguments.String("filter") ?? throw new UsageException("--filter FILTER is required (e.g. env=silentA,state=normal).");
        string? exemplarFilter = arguments.String("exemplars");
        string? modelOut = arguments.String("model-out");
        int epochs = arguments.Int("epochs", 60, 1, 10_000);
        string? classField = arguments.String("classes");
        string normalValue = arguments.String("normal") ?? "normal";
        arguments.RejectUnknown();
        if (classField is not null && exemplarFilter is not null)
            throw new UsageException("--classes takes its exemplars from the labelled fault windows; leave out --exemplars.");

        var request = BaseTrainingRequest.For(data, filter, settings.Sensor.WindowSize, epochs, settings.Anomaly);
        AnomalyModel model = classField is null
            ? BaseModelTraining.Autoencoder(request, exemplarFilter, stderr, cancellation)
            : BaseModelTraining.Classifier(request, classField, normalValue, stderr, cancellation);
        if (modelOut is not null)
        {
            ModelFile.Write(modelOut, AnomalyModelDocuments.Base(model));
            stdout.WriteLine($"Wrote {modelOut} (id {model.BaseHash[..12]}, threshold {model.Threshold.ToString("G5", CultureInfo.InvariantCulture)}).");
            return Task.FromResult(0);
        }
        using StateDatabase state = StateDatabase.Open(settings.StateDirectory);
        var registry = new ModelRegistry(state, settings.StateDirectory, settings.Storage.KeepVersions);
        ModelVersionRecord record = registry.AddBase(model, $"trained on {data} {filter}" + (exemplarFilter is null ? "" : $", exemplars {exemplarFilter}"),
            model.Reference.Samples, new Dictionary<string, double> { ["threshold"] = model.Threshold, ["exemplars"] = model.ExemplarCount });
        stdout.WriteLine($"Model version {record.Version} is active in {settings.StateDirectory} (threshold {model.Threshold.ToString("G5", CultureInfo.InvariantCulture)}, {model.ExemplarCount} exemplars).");
        return Task.FromResult(0);
    }
}
