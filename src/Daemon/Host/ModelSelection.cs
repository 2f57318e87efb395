using SensorOdl.Drivers.Features;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Daemon.Training;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.FineTuning;
using SensorOdl.Learning.Models;

namespace SensorOdl.Daemon.Host;

/// <summary>
/// Which model runs (docs/CONTRACT.md §1): the registry's active version, else Model:Path (imported as a version),
/// else — simulated sensor only — a base trained for the simulated machine on first start. A model trained on
/// another feature transform than the sensor gives is refused with one line.
/// </summary>
public static class ModelSelection
{
    public static (AnomalyModel Model, ModelVersionRecord Record) Select(DaemonSettings settings, ModelRegistry registry,
        FeatureTransform vectorizer, Action<string> log)
    {
        (AnomalyModel model, ModelVersionRecord record) = Pick(settings, registry, vectorizer, log);
        if (vectorizer.Configuration.MismatchWith(model.FeatureConfig) is { } mismatch)
            throw new ConfigurationException(
                $"model version {record.Version} was trained on features {model.FeatureConfig}, but Sensor:Kind={settings.Sensor.Kind.ToConfigValue()} gives {vectorizer.Configuration}; train a model for this sensor (sensorodl train) or fix the Sensor settings. {mismatch}");
        return (model, record);
    }

    static (AnomalyModel, ModelVersionRecord) Pick(DaemonSettings settings, ModelRegistry registry, FeatureTransform vectorizer, Action<string> log)
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
        log($"No model yet: training a base for the simulated machine on {BaseModelTraining.SimulatedMachineWindows} windows.");
        AnomalyModel trained = BaseModelTraining.ForSimulatedMachine(vectorizer, settings.Sensor.Seed, settings.Anomaly);
        return (trained, registry.AddBase(trained, "trained for the simulated machine on first start", BaseModelTraining.SimulatedMachineWindows));
    }
}
