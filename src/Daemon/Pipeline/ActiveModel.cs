using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Pipeline;

/// <summary>
/// The model that scores windows, with the version it is, and — during probation after a promotion — a shadow that
/// scores the same windows with the previous version.
/// </summary>
public sealed record ModelInUse(AnomalyModel Model, ModelInfo Info, IShadowScorer? Shadow = null);

/// <summary>Sees every window the model in use scores, with that model's verdict (pipeline thread, data-clock seconds).</summary>
public interface IShadowScorer
{
    void Observe(float[] features, bool flagged, double dataS);
}

/// <summary>
/// Holds the model in use. The adaptation job (promotion) and the rollback command activate a new one; the
/// monitor reads it at every window, so a switch takes effect at the next window on the pipeline thread.
/// Status shows the new version at once.
/// </summary>
public sealed class ActiveModel(DaemonStatus status, ModelInUse initial)
{
    ModelInUse _current = Publish(status, initial);

    public ModelInUse Current => Volatile.Read(ref _current);

    public void Activate(AnomalyModel model, ModelInfo info, IShadowScorer? shadow = null) =>
        Activate(new ModelInUse(model, info, shadow));

    public void Activate(ModelInUse model) => Volatile.Write(ref _current, Publish(status, model));

    /// <summary>Swaps in <paramref name="next"/> only if <paramref name="expected"/> is still the model in use (a rollback racing a command).</summary>
    public bool Replace(ModelInUse expected, ModelInUse next)
    {
        if (!ReferenceEquals(Interlocked.CompareExchange(ref _current, next, expected), expected)) return false;
        Publish(status, next);
        return true;
    }

    static ModelInUse Publish(DaemonStatus status, ModelInUse model)
    {
        status.SetModel(model.Info, model.Model.Threshold);
        return model;
    }
}
