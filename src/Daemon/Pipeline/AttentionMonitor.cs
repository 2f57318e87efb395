using System.Text.Json.Nodes;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.Drift;

namespace SensorOdl.Daemon.Pipeline;

/// <summary>Something an operator should look at: what (<see cref="Code"/>), in words, and since when (wall clock, Unix ms).</summary>
public sealed record AttentionNotice(string Code, string Message, long SinceMs)
{
    /// <summary>The model in use flags far more windows than its false-alarm budget, without drift being declared.</summary>
    public const string OverBudget = "over_budget";
    /// <summary>Drift is on and the last adaptation job's candidate was refused: the model in use does not fit the machine's condition.</summary>
    public const string AdaptationRefused = "adaptation_refused";
    /// <summary>The version in use was promoted although a probe check found it blind: one that is reported, not enforced, or one waived for a refit (<see cref="AdaptationOptions.WaiveProbesAbove"/>).</summary>
    public const string ProbeBlind = "probe_blind";
    /// <summary>The version in use passed a probe kind only because the network without adapters is as blind in this room, and nothing mended it.</summary>
    public const string ProbeShort = "probe_short";

    public JsonObject ToJson() => new() { ["code"] = Code, ["message"] = Message, ["since"] = SinceMs };
}

/// <summary>
/// Says when adaptation has left the device in a state nobody would choose, so that it does not stay silent: status
/// `attention`, events `attention`/`attention_cleared`, a Home Assistant problem sensor. Four conditions, the first
/// that holds is shown (a version that may miss faults before one that alarms too often):
/// <list type="number">
/// <item><c>adaptation_refused</c>: a refit was refused (its reason) while drift was declared — cleared by a promotion, a
/// rollback or the drift clearing — or while the version in use was <c>over_budget</c> — cleared by another version or
/// when it calms down as <c>over_budget</c> would, not by a drift declared meanwhile. Either way the model in use keeps
/// alarming on a condition its adaptation was refused for.</item>
/// <item><c>probe_blind</c>: the version in use was promoted though the probe guard's verdict failed where it only
/// reports (waveform probes without Adaptation:EnforceWaveformProbes) or was waived (a refit of a version that alarmed on
/// its own new normal, <see cref="AdaptationOptions.WaiveProbesAbove"/>); gone while another version is in use.</item>
/// <item><c>probe_short</c>: the version in use passed a probe kind only by the unadapted network's cap (a nearest-neighbour
/// detector on its windows sees those probes, it does not) and the refine meant to mend that was refused, or
/// Adaptation:ProbeRefine is off; gone while another version is in use.</item>
/// <item><c>over_budget</c>: over the last Anomaly:AttentionMinutes of data time (at least <see cref="MinWindows"/> windows)
/// the version in use flagged at least <see cref="RaiseFactor"/> × the false-alarm budget (at most half of Drift:Level)
/// while no drift is declared — a version whose validation did not carry to the machine's other conditions, or a
/// lasting fault; cleared below half that share, or by another version. A span of minutes, not of windows: a
/// vibration sensor scores ~12 windows a second, a fan's spectra one every 2 s, and a second-long burst of anomaly is
/// the anomaly rule's business.</item>
/// </list>
/// Window verdicts come on the pipeline thread, job verdicts on the training thread.
/// </summary>
public sealed class AttentionMonitor(DaemonStatus status, IEventSink events, TimeProvider time, double falseAlarmBudget, double spanMinutes, double driftLevel)
    : IWindowObserver
{
    /// <summary>The drift detector's alarming level: a shift is declared drift, and a version without drift is over budget, at the same share.</summary>
    public const double RaiseFactor = DriftDetector.AlarmingFactor;
    /// <summary>Fewer windows than this in the span say too little about a share of a few percent.</summary>
    public const int MinWindows = 100;
    /// <summary>The span is counted in this many slices of data time, whatever the window rate (memory stays ~10 kB).</summary>
    public const int Slices = 600;

    readonly object _gate = new();
    readonly Queue<Slice> _slices = new();
    readonly double _spanS = spanMinutes * 60;
    readonly double _raiseShare = DriftDetector.AlarmingShare(falseAlarmBudget, driftLevel);
    Slice _open;
    double _firstS;
    int _windows, _flagged;
    int? _version;
    bool _drift;
    string? _overBudget;
    /// <summary>The refusal shown, and whether it came while the version was over budget (it then lasts until it calms down).</summary>
    (string Message, bool UntilCalm)? _refused;
    (int Version, string Message)? _probeBlind, _probeShort;
    AttentionNotice? _shown;

    public AttentionNotice? Current { get { lock (_gate) return _shown; } }

    public void OnDriftDetected(double dataS, double onsetS) { } // the drift state comes with every window

    public void OnSampleStored(double dataS, ReadOnlySpan<float> features) { }

    public void OnWindowScored(double dataS, int version, bool flagged, bool driftDetected)
    {
        lock (_gate)
        {
            if (version != _version || dataS < _open.StartS) StartVersion(version, dataS); // or the clock went back
            Count(dataS, flagged);
            if (_drift && !driftDetected && _refused is { UntilCalm: false }) _refused = null; // the drift the refusal was about is over
            _drift = driftDetected;
            double share = (double)_flagged / _windows;
            bool spanFull = dataS - _firstS >= _spanS && _windows >= MinWindows;
            bool calm = spanFull && share <= _raiseShare / 2; // what clears over_budget, and a refusal made while over budget
            if (_refused is { UntilCalm: true } && !_drift && calm) _refused = null;
            if (_drift || !spanFull || calm) _overBudget = null;
            else if (_overBudget is null && share >= _raiseShare)
                _overBudget = $"version {version} flags {SharePercent.Of(share)} of the last {_windows} windows ({spanMinutes:0.#} min); its false-alarm " +
                    $"budget is {SharePercent.Of(falseAlarmBudget)} and no drift is declared: a condition its adaptation did not see, or a lasting fault";
            Show();
        }
    }

    /// <summary>A job's candidate was refused (training thread).</summary>
    public void OnRefused(string reason)
    {
        lock (_gate)
        {
            // A refit refused while the version alarms far over its budget leaves it alarming as surely as one refused
            // during drift, and a drift declared later would clear over_budget and leave nothing said (a 64-wide spectrum
            // base at 53 % false alarms, docs/BENCHMARKS.md issue 9 session 17). Without either, a retrain command's
            // refusal is in its own event, and nothing keeps alarming because of it.
            if (_drift) _refused = ($"drift is declared and the adapted candidate was refused ({reason}); the version in use still flags the new condition", false);
            else if (_overBudget is not null) _refused = ($"{_overBudget}; its refit was refused ({reason})", true);
            else return;
            Show();
        }
    }

    /// <summary>A version was promoted; <paramref name="blindness"/> is a failed probe verdict that was only reported (training thread).</summary>
    public void OnPromoted(int version, string? blindness)
    {
        lock (_gate)
        {
            _probeBlind = blindness is null ? null : (version, $"version {version} was promoted although it is {blindness}");
            Show();
        }
    }

    /// <summary>
    /// Version <paramref name="version"/> passed the probe guard on <paramref name="shortfall"/>'s kind only by the unadapted cap,
    /// and <paramref name="unmended"/> says why it stays so (training thread).
    /// </summary>
    public void OnProbeShortLeft(int version, ProbeKindVerdict shortfall, string unmended)
    {
        lock (_gate)
        {
            _probeShort = (version, $"version {version} passed the probe guard on {shortfall.Kind} probes only because the network without adapters " +
                $"is as blind in this room ({shortfall.Shortfall}), and {unmended}: it may miss faults that look like them");
            Show();
        }
    }

    /// <summary>Adds a window to the open slice (a new one every span/<see cref="Slices"/> of data time) and drops slices older than the span.</summary>
    void Count(double dataS, bool flagged)
    {
        if (dataS >= _open.StartS + _spanS / Slices)
        {
            if (_open.Windows > 0) _slices.Enqueue(_open);
            _open = new Slice(dataS, 0, 0);
        }
        _open = _open with { Windows = _open.Windows + 1, Flagged = _open.Flagged + (flagged ? 1 : 0) };
        _windows++;
        if (flagged) _flagged++;
        while (_slices.TryPeek(out Slice oldest) && oldest.StartS < dataS - _spanS)
        {
            _slices.Dequeue();
            _windows -= oldest.Windows;
            _flagged -= oldest.Flagged;
        }
    }

    void StartVersion(int version, double dataS)
    {
        if (version != _version) _refused = null;
        _version = version;
        _slices.Clear();
        _open = new Slice(dataS, 0, 0);
        _windows = _flagged = 0;
        _firstS = dataS;
        _overBudget = null;
    }

    readonly record struct Slice(double StartS, int Windows, int Flagged);

    void Show()
    {
        // A version's alarms speak for themselves, its misses do not.
        (string Code, string Message)? wanted = _refused is { } refused ? (AttentionNotice.AdaptationRefused, refused.Message)
            : _probeBlind is { } blind && blind.Version == _version ? (AttentionNotice.ProbeBlind, blind.Message)
            : _probeShort is { } shortOf && shortOf.Version == _version ? (AttentionNotice.ProbeShort, shortOf.Message)
            : _overBudget is not null ? (AttentionNotice.OverBudget, _overBudget)
            : null;
        if (wanted?.Code == _shown?.Code && wanted?.Message == _shown?.Message) return;
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        AttentionNotice? previous = _shown;
        _shown = wanted is { } w ? new AttentionNotice(w.Code, w.Message, now) : null;
        status.SetAttention(_shown);
        if (_shown is not null) events.Emit("attention", now, new JsonObject { ["code"] = _shown.Code, ["message"] = _shown.Message });
        else events.Emit("attention_cleared", now, new JsonObject { ["code"] = previous!.Code });
    }
}
