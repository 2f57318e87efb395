using System.Text.Json.Nodes;

namespace SensorOdl.Daemon.Pipeline;

/// <summary>The states of docs/CONTRACT.md §3 status; on the wire in lower case.</summary>
public enum DaemonState
{
    Starting,
    Monitoring,
    Drift,
    Collecting,
    Training,
    Validating,
    /// <summary>Confirm mode: a validated candidate waits for `promote` or `discard`.</summary>
    Pending,
    Degraded,
    Paused,
}

public static class DaemonStateNames
{
    public static string ToWire(this DaemonState state) => state.ToString().ToLowerInvariant();
}

public sealed record ModelInfo(int Version, string Id, string Method, long CreatedAt)
{
    public static ModelInfo Of(Storage.ModelVersionRecord record) => new(record.Version, record.Id, record.Method, record.CreatedAt);
}

public sealed record TrainingInfo(double Progress, int Epoch, int Epochs, double? EtaSeconds);

/// <summary>
/// The version in use on probation: the windows both versions scored since its promotion, the share each flagged, and the
/// data minutes left (<see cref="SensorOdl.Daemon.Adaptation.Probation"/>).
/// </summary>
public sealed record ProbationInfo(int Version, int PreviousVersion, long Windows, double Flagged, double PreviousFlagged, double MinutesLeft);

/// <summary>
/// What the daemon is doing, shared between the pipeline, the adaptation job and the publisher. Writers
/// change it under a lock; <see cref="Changed"/> fires on state changes (not on every score).
/// </summary>
public sealed class DaemonStatus(string device, string sensorKind, TimeProvider? time = null)
{
    readonly object _gate = new();
    readonly TimeProvider _time = time ?? TimeProvider.System;
    readonly long _started = (time ?? TimeProvider.System).GetTimestamp();
    DaemonState _state = DaemonState.Starting;
    DaemonState _activity = DaemonState.Monitoring;
    ModelInfo? _model;
    float _score, _threshold;
    bool _anomaly, _drift, _paused, _sensorHealthy = true;
    double _driftStatistic, _driftShift, _driftLevel;
    long? _driftSince;
    string? _sensorError;
    TrainingInfo? _training;
    (int Collected, int Wanted)? _collecting;
    (int Version, string Reason)? _refine;
    ProbationInfo? _probation;
    (int Version, JsonObject Metrics)? _candidate;
    long _skipped;
    JsonObject? _ambient;
    string? _lastBadWindow;
    AttentionNotice? _attention;

    public event Action? Changed;

    public DaemonState State { get { lock (_gate) return _state; } }
    /// <summary>What the adaptation side is doing (monitoring, collecting, training, validating), whatever pause or a sensor fault show in <see cref="State"/>.</summary>
    public DaemonState Activity { get { lock (_gate) return _activity; } }
    public bool Paused { get { lock (_gate) return _paused; } }
    public ModelInfo? Model { get { lock (_gate) return _model; } }

    /// <summary>A new version in use: always a change worth publishing (the retained model topic follows it).</summary>
    public void SetModel(ModelInfo model, float threshold) => Update(() => { _model = model; _threshold = threshold; }, notify: true);
    public void SetScore(float score, bool anomaly) { lock (_gate) { _score = score; _anomaly = anomaly; } }
    public void SetAnomaly(bool active) => Update(() => _anomaly = active);
    public void SetDrift(bool detected, double statistic, double level, long? sinceMs) => Update(() => { _drift = detected; _driftStatistic = statistic; _driftLevel = level; _driftSince = sinceMs; });
    /// <summary>The drift detector's two shares: windows above the threshold, and above the reference 90th percentile.</summary>
    public void SetDriftStatistic(double statistic, double shift)
    {
        lock (_gate) (_driftStatistic, _driftShift) = (statistic, shift);
    }
    /// <summary>The level the drift statistic is compared with (Drift:Level), shown from the start.</summary>
    public void SetDriftLevel(double level) { lock (_gate) _driftLevel = level; }
    public void SetSensor(bool healthy, string? error) => Update(() => { _sensorHealthy = healthy; _sensorError = error; });
    /// <summary>The latest reading of the Sensor:Ambient side channel (temperature, humidity: classic drift causes).</summary>
    public void SetAmbient(JsonObject reading) { lock (_gate) _ambient = reading; }

    /// <summary>Windows not scored because they were unusable (NaN, clipped, short, flat…), and the last reason.</summary>
    public void SetSkipped(long count, string flags) { lock (_gate) { _skipped = count; _lastBadWindow = flags; } }
    public void SetPaused(bool paused) => Update(() => _paused = paused);
    /// <summary>monitoring, collecting, training or validating: what the adaptation side is doing.</summary>
    public void SetActivity(DaemonState activity)
    {
        if (activity is not (DaemonState.Monitoring or DaemonState.Collecting or DaemonState.Training or DaemonState.Validating))
            throw new ArgumentOutOfRangeException(nameof(activity), activity, "an adaptation activity is monitoring, collecting, training or validating");
        Update(() =>
        {
            _activity = activity;
            if (activity == DaemonState.Monitoring) _training = null;
            if (activity != DaemonState.Collecting) _collecting = null;
        });
    }
    public void SetTraining(TrainingInfo? training) { lock (_gate) _training = training; }
    /// <summary>While a job collects: the windows it has and the number it waits for (its current estimate).</summary>
    public void SetCollecting(int collected, int wanted) { lock (_gate) _collecting = (collected, wanted); }
    /// <summary>A refine of the version in use that came due (its job may be collecting or fitting), or null: published at once.</summary>
    public void SetRefine(int? version, string? reason) =>
        Update(() => _refine = version is int v ? (v, reason ?? "refine") : null, notify: true);
    /// <summary>The version in use's probation, or null: published at once when one starts or ends; its counts ride along with the next status.</summary>
    public void SetProbation(ProbationInfo? probation)
    {
        bool started;
        lock (_gate) started = _probation?.Version != probation?.Version;
        Update(() => _probation = probation, notify: started);
    }
    /// <summary>The pending candidate (confirm mode) with its validation metrics, or null when none waits.</summary>
    public void SetCandidate(int? version, JsonObject? metrics) =>
        Update(() => _candidate = version is int v ? (v, (JsonObject)(metrics?.DeepClone() ?? new JsonObject())) : null, notify: true);
    public int? CandidateVersion { get { lock (_gate) return _candidate?.Version; } }
    /// <summary>What an operator should look at (<see cref="AttentionMonitor"/>), or null: published at once.</summary>
    public void SetAttention(AttentionNotice? notice) => Update(() => _attention = notice, notify: true);
    public void Started() => Update(() => _state = DaemonState.Monitoring);

    void Update(Action change, bool notify = false)
    {
        DaemonState before, after;
        lock (_gate)
        {
            before = _state;
            change();
            if (_state != DaemonState.Starting) _state = Derive();
            after = _state;
        }
        if (before != after || notify) Changed?.Invoke();
    }

    DaemonState Derive() =>
        _paused ? DaemonState.Paused
        : !_sensorHealthy ? DaemonState.Degraded
        : _activity != DaemonState.Monitoring ? _activity
        : _candidate is not null ? DaemonState.Pending
        : _drift ? DaemonState.Drift
        : DaemonState.Monitoring;

    public JsonObject ToJson(long ts)
    {
        lock (_gate)
        {
            return new JsonObject
            {
                ["device"] = device,
                ["state"] = _state.ToWire(),
                ["uptimeSeconds"] = (long)_time.GetElapsedTime(_started).TotalSeconds,
                ["model"] = _model is null ? null : new JsonObject { ["version"] = _model.Version, ["id"] = _model.Id, ["method"] = _model.Method, ["createdAt"] = _model.CreatedAt },
                ["anomaly"] = new JsonObject { ["score"] = Finite(_score), ["threshold"] = Finite(_threshold), ["active"] = _anomaly },
                ["drift"] = new JsonObject { ["detected"] = _drift, ["statistic"] = Math.Round(_driftStatistic, 4), ["shift"] = Math.Round(_driftShift, 4), ["threshold"] = _driftLevel, ["since"] = _driftSince },
                ["attention"] = _attention?.ToJson(),
                ["collecting"] = _collecting is not { } c ? null : new JsonObject { ["collected"] = c.Collected, ["wanted"] = c.Wanted },
                ["refine"] = _refine is not { } r ? null : new JsonObject { ["version"] = r.Version, ["reason"] = r.Reason },
                ["probation"] = _probation is not { } p ? null : new JsonObject
                {
                    ["version"] = p.Version, ["previousVersion"] = p.PreviousVersion, ["windows"] = p.Windows,
                    ["flagged"] = Math.Round(p.Flagged, 4), ["previousFlagged"] = Math.Round(p.PreviousFlagged, 4), ["minutesLeft"] = Math.Round(p.MinutesLeft, 1),
                },
                ["candidate"] = _candidate is not { } pending ? null : new JsonObject { ["version"] = pending.Version, ["metrics"] = pending.Metrics.DeepClone() },
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
