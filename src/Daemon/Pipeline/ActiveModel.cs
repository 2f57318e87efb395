using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Pipeline;

/// <summary>The model that scores windows, with the version it is.</summary>
public sealed record ModelInUse(AnomalyModel Model, ModelInfo Info);

/// <summary>
/// Holds the model in use. The adaptation job (promotion) and the rollback command activate a new one; the
/// monitor reads it at every window, so a switch takes effect at the next window on the pipeline thread.
/// Status shows the new version at once.
/// </summary>
public sealed class ActiveModel(DaemonStatus status, ModelInUse initial)
{
    ModelInUse _current = Publish(status, initial);

    public ModelInUse Current => Volatile.Read(ref _current);

    public void Activate(AnomalyModel model, ModelInfo info) => Volatile.Write(ref _current, Publish(status, new ModelInUse(model, info)));

    static ModelInUse Publish(DaemonStatus status, ModelInUse model)
    {
        status.SetModel(model.Info, model.Model.Threshold);
        return model;
    }
}
