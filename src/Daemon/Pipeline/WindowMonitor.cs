using System.Text.Json.Nodes;
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
/// sample store → status and events, then the observers. Runs on one thread (the sensor loop); a model
/// activated elsewhere (promotion, rollback) is picked up at the next window.
/// </summary>
public sealed class WindowMonitor
{
    readonly LiveSettings _settings;
    readonly FeatureTransform _vectorizer;
    readonly ActiveModel _active;
    readonly SampleStore _samples;
    readonly IEventSink _events;
    readonly DaemonStatus _status;
    readonly TimeProvider _time;
    readonly float[] _features;
    readonly AnomalyRule _rule;
    readonly DriftDetector _drift;
    readonly List<IWindowObserver> _observers = [];
    readonly WindowProber? _prober;
    ModelInUse _scoring;
    double _lastSampleS = double.NegativeInfinity;
    long _scored, _skipped;

    public WindowMonitor(LiveSettings settings, FeatureTransform vectorizer, ActiveModel active, SampleStore samples,
        IEventSink events, DaemonStatus status, TimeProvider time)
    {
        _settings = settings;
        _vectorizer = vectorizer;
        _active = active;
        _samples = samples;
        _events = events;
        _status = status;
        _time = time;
        _features = new float[vectorizer.Size];
        _prober = WindowProber.For(vectorizer.Format);
        DaemonSettings s = settings.Current;
        _rule = new AnomalyRule(s.Anomaly.RaiseAfter, s.Anomaly.Window, s.Anomaly.ClearAfter);
        _scoring = active.Current;
        (float? median, float? high) = DriftReference(_scoring.Model);
        _drift = new DriftDetector(new DriftSettings { Window = s.Drift.Window, Level = s.Drift.Level, Persistence = s.Drift.Persistence },
            _scoring.Model.Threshold, s.Anomaly.FalseAlarmBudget, median, high);
        status.SetDriftLevel(s.Drift.Level);
    }

    public long WindowsScored => Interlocked.Read(ref _scored);
    /// <summary>The reference median the drift detector's score CUSUM tests against (the scoring version's; null without one).</summary>
    internal float? DriftReferenceMedian => _drift.ReferenceMedian;
    /// <summary>The reference 90th percentile the drift detector's shift declaration tests against (the scoring version's; null without one).</summary>
    internal float? DriftReferenceHigh => _drift.ReferenceHigh;
    /// <summary>Windows from the start of streaming to the drift declaration (−1 before).</summary>
    public long DriftDelayWindows { get; private set; } = -1;

    /// <summary>Raised after every scored window (telemetry), with the wall-clock time in Unix ms.</summary>
    public event Action<WindowResult, long>? Scored;

    public void Observe(IWindowObserver observer) => _observers.Add(observer);

    public WindowResult Process(SensorFrame frame)
    {
        PickUpActivatedModel();
        if (_status.Paused) return default;
        AnomalyModel model = _scoring.Model;
        WindowFlags flags = _vectorizer.Extract(frame, _features);
        if (!flags.IsUsable())
        {
            _status.SetSkipped(Interlocked.Increment(ref _skipped), flags.ToString());
            return new WindowResult(false, float.NaN, model.Threshold, false, flags, -1);
        }

        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        double dataS = frame.TimestampS;
        float score = model.Score(_features);
        if (!float.IsFinite(score)) score = float.MaxValue; // a window the model cannot reconstruct at all is anomalous
        bool anomalous = score > model.Threshold;
        _scoring.Shadow?.Observe(_features, anomalous, dataS); // probation: the previous version scores the same window
        bool turned = _rule.Observe(anomalous);
        _status.SetScore(score, _rule.Active);
        if (turned)
        {
            _status.SetAnomaly(_rule.Active);
            _events.Emit(_rule.Active ? "anomaly" : "anomaly_cleared", now, new JsonObject { ["score"] = Round(score), ["threshold"] = Round(model.Threshold) });
        }

        bool driftDeclared = ObserveDrift(score, dataS, now);
        bool stored = Store(frame, dataS, out long sampleId);
        foreach (IWindowObserver observer in _observers)
        {
            if (driftDeclared) observer.OnDriftDetected(dataS, _drift.OnsetS ?? dataS);
            if (stored) observer.OnSampleStored(dataS, _features);
            observer.OnWindowScored(dataS, _scoring.Info.Version, anomalous, _drift.Detected);
        }
        Interlocked.Increment(ref _scored);
        var result = new WindowResult(true, score, model.Threshold, anomalous, flags, sampleId);
        Scored?.Invoke(result, now);
        return result;
    }

    /// <summary>Feeds the drift detector; true when drift is declared at this window.</summary>
    bool ObserveDrift(float score, double dataS, long now)
    {
        DriftChange change = _drift.Observe(score, dataS);
        _status.SetDriftStatistic(_drift.Statistic, _drift.ShiftStatistic);
        if (change == DriftChange.Detected)
        {
            DriftDelayWindows = _drift.Observed;
            _status.SetDrift(true, _drift.Statistic, _drift.Level, now);
            _events.Emit("drift_detected", now, new JsonObject
            {
                ["statistic"] = Math.Round(_drift.Statistic, 4),
                ["threshold"] = _drift.Level,
                ["shift"] = Math.Round(_drift.ShiftStatistic, 4),
                ["since"] = now,
                ["mode"] = _settings.Current.Adaptation.Mode.ToString().ToLowerInvariant(),
            });
            return true;
        }
        if (change == DriftChange.Cleared)
        {
            _status.SetDrift(false, _drift.Statistic, _drift.Level, null);
            _events.Emit("drift_cleared", now, new JsonObject { ["statistic"] = Math.Round(_drift.Statistic, 4), ["reason"] = "the data returned to the reference" });
        }
        return false;
    }

    /// <summary>At most one window per Storage:SampleIntervalSeconds of data enters the sample store.</summary>
    bool Store(SensorFrame frame, double dataS, out long sampleId)
    {
        sampleId = -1;
        if (dataS < _lastSampleS) _lastSampleS = double.NegativeInfinity; // the clock was set back (clock_adjusted): storing goes on
        if (dataS - _lastSampleS < _settings.Current.Storage.SampleIntervalSeconds) return false;
        _lastSampleS = dataS;
        sampleId = _samples.Add(_features, (long)Math.Round(dataS * 1000), _prober is null ? default : _prober.Probe(frame));
        return true;
    }

    void PickUpActivatedModel()
    {
        ModelInUse current = _active.Current;
        if (ReferenceEquals(current, _scoring)) return;
        _scoring = current;
        (float? median, float? high) = DriftReference(current.Model);
        if (_drift.Reset(current.Model.Threshold, median, high))
        {
            _status.SetDrift(false, 0, _drift.Level, null);
            _events.Emit("drift_cleared", _time.GetUtcNow().ToUnixTimeMilliseconds(), new JsonObject { ["reason"] = $"model version {current.Info.Version} is active", ["version"] = current.Info.Version });
        }
    }

    /// <summary>
    /// A version's median and 90th percentile scores on its reference windows, the drift detector's two levels; each null
    /// where the model was stored without it (no reference windows, or a file written before the percentile was kept).
    /// </summary>
    static (float? Median, float? High) DriftReference(AnomalyModel model)
    {
        ReferenceStatistics reference = model.Reference;
        if (reference.Samples <= 0) return (null, null);
        return (float.IsFinite(reference.ScoreMedian) ? reference.ScoreMedian : null, float.IsFinite(reference.ScoreHigh) ? reference.ScoreHigh : null);
    }

    static double Round(float value) => float.IsFinite(value) ? Math.Round(value, 6) : double.MaxValue;
}
