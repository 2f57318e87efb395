using System.Text.Json.Nodes;
using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Storage;
using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.Drift;

namespace SensorOdl.Daemon.Pipeline;

/// <summary>What happened to one window.</summary>
public readonly record struct WindowResult(bool Scored, float Score, float Threshold, bool Anomalous, WindowFlags Flags, long SampleId);

/// <summary>
/// The per-window pipeline: features → score with the active model → k-of-n anomaly state → drift detector →
/// sample store → status and events. Runs on one thread (the sensor loop); a new model from the adaptation
/// job or a rollback is handed over through <see cref="SwapModel"/> and takes effect at the next window.
/// </summary>
public sealed class WindowMonitor
{
    readonly DaemonSettings _settings;
    readonly FeatureTransform _transform;
    readonly SampleStore _samples;
    readonly IEventSink _events;
    readonly DaemonStatus _status;
    readonly float[] _features;
    readonly AnomalyRule _rule;
    readonly DriftDetector _drift;
    AnomalyModel _model;
    (AnomalyModel Model, ModelInfo Info)? _pendingSwap;
    double _lastSampleS = double.NegativeInfinity;
    long _scored, _skipped;

    public WindowMonitor(DaemonSettings settings, FeatureTransform transform, AnomalyModel model, SampleStore samples,
        IEventSink events, DaemonStatus status)
    {
        _settings = settings;
        _transform = transform;
        _model = model;
        _samples = samples;
        _events = events;
        _status = status;
        _features = new float[transform.Size];
        _rule = new AnomalyRule(settings.Anomaly.RaiseAfter, settings.Anomaly.Window, settings.Anomaly.ClearAfter);
        _drift = new DriftDetector(new DriftSettings { Window = settings.Drift.Window, Level = settings.Drift.Level, Persistence = settings.Drift.Persistence }, model.Threshold);
    }

    /// <summary>Set once wiring is done: drift and collected windows drive adaptation.</summary>
    public AdaptationCoordinator? Adaptation { get; set; }
    public AnomalyModel Model => Volatile.Read(ref _model);
    public long WindowsScored => Interlocked.Read(ref _scored);
    /// <summary>Windows from the start of streaming to the drift declaration (−1 before).</summary>
    public long DriftDelayWindows { get; private set; } = -1;
    public Func<long> WallClockMs { get; init; } = () => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>Raised after every scored window (telemetry).</summary>
    public event Action<WindowResult, long>? Scored;

    public void SwapModel(AnomalyModel model, ModelInfo info)
    {
        lock (_features) _pendingSwap = (model, info);
    }

    public WindowResult Process(SensorFrame frame)
    {
        ApplyPendingSwap();
        if (_status.Paused) return default;
        WindowFlags flags = _transform.Extract(frame, _features);
        if (!flags.IsUsable())
        {
            _status.SetSkipped(Interlocked.Increment(ref _skipped), flags.ToString());
            return new WindowResult(false, float.NaN, _model.Threshold, false, flags, -1);
        }

        long now = WallClockMs();
        double dataS = frame.TimestampS;
        float score = _model.Score(_features);
        if (!float.IsFinite(score)) score = float.MaxValue; // a window the model cannot reconstruct at all is anomalous
        bool anomalous = score > _model.Threshold;
        if (_rule.Observe(anomalous))
        {
            _status.SetAnomaly(_rule.Active);
            _events.Emit(_rule.Active ? "anomaly" : "anomaly_cleared", now, new JsonObject { ["score"] = Round(score), ["threshold"] = Round(_model.Threshold) });
        }
        else _status.SetScore(score, _rule.Active);

        DriftChange change = _drift.Observe(score, dataS);
        _status.SetDriftStatistic(_drift.Statistic);
        if (change == DriftChange.Detected)
        {
            DriftDelayWindows = _drift.Observed;
            _status.SetDrift(true, _drift.Statistic, _drift.Level, now);
            _events.Emit("drift_detected", now, new JsonObject
            {
                ["statistic"] = Math.Round(_drift.Statistic, 4),
                ["threshold"] = _drift.Level,
                ["since"] = now,
                ["mode"] = Adaptation?.Mode ?? _settings.Adaptation.Mode,
            });
            Adaptation?.OnDrift(dataS);
        }
        else if (change == DriftChange.Cleared)
        {
            _status.SetDrift(false, _drift.Statistic, _drift.Level, null);
            _events.Emit("drift_cleared", now, new JsonObject { ["statistic"] = Math.Round(_drift.Statistic, 4), ["reason"] = "the data returned to the reference" });
        }

        long sampleId = -1;
        if (dataS - _lastSampleS >= _settings.Storage.SampleIntervalSeconds)
        {
            _lastSampleS = dataS;
            sampleId = _samples.Add(_features, (long)Math.Round(dataS * 1000));
            Adaptation?.OnSample(dataS);
        }
        Adaptation?.OnWindow(dataS, _drift.Detected);
        Interlocked.Increment(ref _scored);
        var result = new WindowResult(true, score, _model.Threshold, anomalous, flags, sampleId);
        Scored?.Invoke(result, now);
        return result;
    }

    void ApplyPendingSwap()
    {
        (AnomalyModel Model, ModelInfo Info)? swap;
        lock (_features)
        {
            swap = _pendingSwap;
            _pendingSwap = null;
        }
        if (swap is not { } s) return;
        Volatile.Write(ref _model, s.Model);
        _status.SetModel(s.Info, s.Model.Threshold);
        if (_drift.Reset(s.Model.Threshold))
        {
            _status.SetDrift(false, 0, _drift.Level, null);
            _events.Emit("drift_cleared", WallClockMs(), new JsonObject { ["reason"] = $"model version {s.Info.Version} is active", ["version"] = s.Info.Version });
        }
    }

    static double Round(float value) => float.IsFinite(value) ? Math.Round(value, 6) : double.MaxValue;
}
