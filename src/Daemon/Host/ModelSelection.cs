using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Simulation;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.FineTuning;
using SensorOdl.Learning.Models;

namespace SensorOdl.Daemon.Host;

/// <summary>
/// Which model runs (CONTRACT §1): the registry's active version, else Model:Path (imported as a version),
/// else — simulated sensor only — a base trained for the simulated machine on first start. A model trained on
/// another feature transform than the sensor gives is refused with one line.
/// </summary>
public static class ModelSelection
{
    public const int BootstrapWindows = 600;

    public static (AnomalyModel Model, ModelVersionRecord Record) Select(DaemonSettings settings, ModelRegistry registry,
        FeatureTransform transform, Action<string> log)
    {
        (AnomalyModel model, ModelVersionRecord record) = Pick(settings, registry, transform, log);
        if (transform.Configuration.MismatchWith(model.FeatureConfig) is { } mismatch)
            throw new ConfigurationException(
                $"model version {record.Version} was trained on features {model.FeatureConfig}, but Sensor:Kind={settings.Sensor.Kind.ToConfigValue()} gives {transform.Configuration}; train a model for this sensor (sensorodl train) or fix the Sensor settings. {mismatch}");
        return (model, record);
    }

    static (AnomalyModel, ModelVersionRecord) Pick(DaemonSettings settings, ModelRegistry registry, FeatureTransform transform, Action<string> log)
    {
        if (registry.Active is { } active) return (registry.Load(active, new FineTuneOptions()), active);
        if (settings.Model.Path is { } path)
        {
            (ModelDocument document, string hash) = ModelFile.Read(path);
            AnomalyModel imported = AnomalyModelDocuments.ReadBase(document, hash);
            log($"Importing {path} as the first model version.");
            return (imported, registry.AddBase(imported, $"imported from {path}", 0));
        }
        if (settings.Sensor.Kind != SensorKind.Simulated)
            throw new ConfigurationException("no model: the registry is empty and Model:Path is not set; train one with 'sensorodl train' first.");
        log($"No model yet: training a base for the simulated machine on {BootstrapWindows} windows.");
        AnomalyModel trained = TrainForSimulation(settings, transform);
        return (trained, registry.AddBase(trained, "trained for the simulated machine on first start", BootstrapWindows));
    }

    /// <summary>A base fitted to the default (stationary) simulated machine, on windows from its own noise seed.</summary>
    public static AnomalyModel TrainForSimulation(DaemonSettings settings, FeatureTransform transform, int windows = BootstrapWindows)
    {
        using var machine = new SimulatedMachineSensor(new SimulationSettings(
            transform.Format.SampleRateHz, transform.Format.Length, Seed: settings.Sensor.Seed + 1000, Speed: 0));
        SensorFrame frame = machine.CreateFrame();
        var features = new float[windows * transform.Size];
        for (int w = 0; w < windows; w++)
        {
            machine.Read(frame);
            transform.Extract(frame, features.AsSpan(w * transform.Size, transform.Size));
        }
        return AnomalyTrainer.TrainBase(features, windows, transform.Configuration.ToJson(),
            new AnomalyTrainingOptions { FalseAlarmBudget = settings.Anomaly.FalseAlarmBudget });
    }
}
