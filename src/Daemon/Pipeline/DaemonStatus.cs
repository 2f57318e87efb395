using System.Text.Json.Nodes;

namespace SensorOdl.Daemon.Pipeline;

/// <summary>The states of CONTRACT §3 status.</summary>
public static class States
{
    public const string Starting = "starting", Monitoring = "monitoring", Drift = "drift", Collecting = "collecting",
        Training = "training", Validating = "validating", Degraded = "degraded", Paused = "paused";
}

public sealed record ModelInfo(int Version, string Id, string Method, long CreatedAt);

public sealed record TrainingInfo(double Progress, int Epoch, int Epochs, double? EtaSeconds);

/// <summary>
/// What the daemon is doing, shared between the pipeline, the adaptation job and the publisher. Writers
/// change it under a lock; <see cref="Changed"/> fires on state changes (not on every score).
/// </summary>
public sealed class DaemonStatus(string device, string sensorKind)
{
    readonly object _gate = new();
    readonly long _startedMs = Environment.TickCount64;
    string _state = States.Starting;
    string _activity = States.Monitoring;
    ModelInfo? _model;
    float _score, _threshold;
    bool _anomaly, _drift, _paused, _sensorHealthy = true;
    double _driftStatistic, _driftLevel;
    long? _driftSince;
    string? _sensorError;
    TrainingInfo? _training;
    long _skipped;
    JsonObject? _ambient;
    string? _lastBadWindow;

    public event Action? Changed;

    public string State { get { lock (_gate) return _state; } }
    public bool Paused { get { lock (_gate) return _paused; } }
    public ModelInfo? Model { get { lock (_gate) return _model; } }

    public void SetModel(ModelInfo model, float threshold) => Update(() => { _model = model; _threshold = threshold; });
    public void SetScore(float score, bool anomaly) { lock (_gate) { _score = score; _anomaly = anomaly; } }
    public void SetAnomaly(bool active) => Update(() => _anomaly = active);
    public void SetDrift(bool detected, double statistic, double level, long? sinceMs) => Update(() => { _drift = detected; _driftStatistic = statistic; _driftLevel = level; _driftSince = sinceMs; });
    public void SetDriftStatistic(double statistic) { lock (_gate) _driftStatistic = statistic; }
    public void SetSensor(bool healthy, string? error) => Update(() => { _sensorHealthy = healthy; _sensorError = error; });
    /// <summary>The latest reading of the Sensor:Ambient side channel (temperature, humidity: classic drift causes).</summary>
    public void SetAmbient(JsonObject reading) { lock (_gate) _ambient = reading; }

    /// <summary>Windows not scored because they were unusable (NaN, clipped, short, flat…), and the last reason.</summary>
    public void SetSkipped(long count, string flags) { lock (_gate) { _skipped = count; _lastBadWindow = flags; } }
    public void SetPaused(bool paused) => Update(() => _paused = paused);
    /// <summary>monitoring, collecting, training or validating: what the adaptation side is doing.</summary>
    public void SetActivity(string activity) => Update(() => { _activity = activity; if (activity == States.Monitoring) _training = null; });
    public void SetTraining(TrainingInfo? training) { lock (_gate) _training = training; }
    public void Started() => Update(() => _state = States.Monitoring);

    void Update(Action change)
    {
        string before, after;
        lock (_gate)
        {
            before = _state;
            change();
            if (_state != States.Starting) _state = Derive();
            after = _state;
        }
        if (before != after) Changed?.Invoke();
    }

    string Derive() =>
        _paused ? States.Paused
        : !_sensorHealthy ? States.Degraded
        : _activity != States.Monitoring ? _activity
        : _drift ? States.Drift
        : States.Monitoring;

    public JsonObject ToJson(long ts)
    {
        lock (_gate)
        {
            return new JsonObject
            {
                ["device"] = device,
                ["state"] = _state,
                ["uptimeSeconds"] = (Environment.TickCount64 - _startedMs) / 1000,
                ["model"] = _model is null ? null : new JsonObject { ["version"] = _model.Version, ["id"] = _model.Id, ["method"] = _model.Method, ["createdAt"] = _model.CreatedAt },
                ["anomaly"] = new JsonObject { ["score"] = Finite(_score), ["threshold"] = Finite(_threshold), ["active"] = _anomaly },
                ["drift"] = new JsonObject { ["detected"] = _drift, ["statistic"] = Math.Round(_driftStatistic, 4), ["threshold"] = _driftLevel, ["since"] = _driftSince },
                ["training"] = _training is null ? null : new JsonObject
                {
                    ["progress"] = Math.Round(_training.Progress, 4),
                    ["epoch"] = _training.Epoch,
                    ["epochs"] = _training.Epochs,
                    ["etaSeconds"] = _training.EtaSeconds is double eta ? Math.Round(eta, 1) : null,
                },
                ["sensor"] = new JsonObject
                {
                    ["kind"] = sensorKind, ["healthy"] = _sensorHealthy, ["error"] = _sensorError,
                    ["skippedWindows"] = _skipped, ["lastSkipReason"] = _lastBadWindow,
                },
                ["ambient"] = _ambient?.DeepClone(),
                ["ts"] = ts,
            };
        }
    }

    static double Finite(float value) => float.IsFinite(value) ? Math.Round(value, 6) : 0;
}
