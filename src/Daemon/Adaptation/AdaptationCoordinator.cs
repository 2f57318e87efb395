using System.Text.Json.Nodes;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.Caches;

namespace SensorOdl.Daemon.Adaptation;

/// <summary>Why a retrain request was not started.</summary>
public enum RetrainRefusal
{
    None,
    Busy,
    RateLimited,
}

/// <summary>
/// Collect → fine-tune → validate → promote, in the background. Drift (Mode=auto or confirm) or a retrain command
/// starts a job (<see cref="AdaptationJob"/>); the job waits until enough new windows are in the sample store, fits
/// fresh adapters on the frozen base from the forward cache (<see cref="TrainingRun"/>), and keeps the candidate only
/// if it passes validation: <see cref="Promotions"/> promotes it (auto) or holds it as pending (confirm), and rolls
/// back a promotion that fails its probation. This class keeps the state machine — one job at a time, the drift
/// episode, the rate limit — under one lock. Intervals (rate limit, back-off after a rejection or a probation
/// rollback) are measured on the data's clock. What of it must outlive a restart is kept in AdaptationCoordinator.LoopState.cs.
/// </summary>
public sealed partial class AdaptationCoordinator : IWindowObserver
{
    readonly LiveSettings _live;
    readonly SampleStore _samples;
    readonly IEventSink _events;
    readonly DaemonStatus _status;
    readonly ActiveModel _active;
    readonly TimeProvider _time;
    readonly TrainingRun _training;
    readonly Promotions _promotions;
    readonly AttentionMonitor? _attention;
    readonly object _gate = new();
    readonly List<FinishedJob> _history = [];
    AdaptationJob? _job;
    double _nextAllowedS = double.NegativeInfinity;
    bool _driftWaiting;
    int _jobCounter;
    double? _episodeStartS;
    /// <summary>The episode ends once the version in use has run <see cref="_settleTarget"/> windows without drift (after a promotion or rollback in it).</summary>
    bool _settling;
    /// <summary>Windows the version in use has scored without drift since the episode's last promotion or rollback.</summary>
    int _settledWindows;
    /// <summary>As many windows as the drift detector needs to declare a drift (Drift:Window + Drift:Persistence).</summary>
    readonly int _settleWindows;
    /// <summary>How many of them end the episode: <see cref="_settleWindows"/> after a promotion, twice that after a rollback.</summary>
    int _settleTarget;
    /// <summary>The promoted drift version whose false alarms are being watched (<see cref="RefineWatch"/>), on the windows that version scores.</summary>
    RefineWatch? _refine;
    /// <summary>
    /// A refine that came due: a watch found its version over twice its budget, or the version passed a probe kind only by the
    /// unadapted network's cap (<see cref="OnPromoted"/>). Its job waits as long as the drift detector needs to declare a
    /// drift (<see cref="_settleWindows"/> windows, counted in <see cref="_refineWaited"/>): a second change that begins
    /// now is declared and fitted on its own windows; then it starts as soon as no job runs and the rate limit allows.
    /// </summary>
    DueRefine? _refineDue;
    int _refineWaited;
    /// <summary>
    /// The version the loop found not covering its new normal: its false-alarm watch fired, or a drift was declared while it
    /// was watched. The jobs that refit it may have the probe guard waived (<see cref="AdaptationJob.RefitsUncovered"/>).
    /// </summary>
    int? _uncovered;

    public AdaptationCoordinator(LiveSettings settings, ModelRegistry registry, SampleStore samples, IEventSink events,
        DaemonStatus status, IForwardCacheStore cache, ActiveModel active, TimeProvider time, ProbeSet? probes = null,
        AttentionMonitor? attention = null, AdaptationLoopStore? loop = null)
    {
        _live = settings;
        _samples = samples;
        _events = events;
        _status = status;
        _active = active;
        _time = time;
        _settleWindows = settings.Current.Drift.Window + settings.Current.Drift.Persistence;
        _training = new TrainingRun(samples, registry, events, status, cache, active, time, probes);
        _attention = attention;
        _promotions = new Promotions(settings, registry, events, status, active, time, _gate, OnPromoted, OnRolledBack, attention);
        _loop = loop;
        if (loop?.Load() is { } saved) Resume(saved);
    }

    DaemonSettings Settings => _live.Current;
    AdaptationMode Mode => Settings.Adaptation.Mode;
    long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();
    public int Promoted => _promotions.Promoted;
    public int Rejected { get; private set; }
    public int RolledBack => _promotions.RolledBack;
    /// <summary>Confirm mode: the validated candidate waiting for `promote` or `discard`, else null.</summary>
    public PendingCandidate? Pending => _promotions.Pending;
    /// <summary>Keep every finished job's windows and time in <see cref="History"/> (evaluations; never in the daemon: it holds the features).</summary>
    public bool RecordHistory { get; init; }
    public IReadOnlyList<FinishedJob> History => _history;
    /// <summary>Run jobs on the calling (pipeline) thread: deterministic replays for evaluation; never in the daemon.</summary>
    public bool RunInline { get; init; }
    /// <summary>Where jobs run: null = a long-running thread of their own (the daemon); `fleet simulate` queues every device's jobs on one shared worker.</summary>
    public TaskScheduler? TrainingScheduler { get; init; }

    /// <summary>The `promote` command: activates the pending candidate (null when there is none, or it is not <paramref name="version"/>).</summary>
    public PendingCandidate? PromotePending(int? version) => _promotions.PromotePending(version);

    /// <summary>The `discard` command: drops the pending candidate (its version stays in the registry, inactive).</summary>
    public PendingCandidate? DiscardPending(int? version) => _promotions.DiscardPending(version);

    /// <summary>
    /// A version that did not come from a job here (a pushed base model; tests): already stored in the registry, it
    /// becomes active now and is put on probation like any promotion.
    /// </summary>
    public void PromoteStored(AnomalyModel model, ModelVersionRecord record, string reason) => _promotions.PromoteStored(model, record, reason);

    /// <summary>
    /// Forgets the current drift episode (after a `rollback` command): the next drift job trains only on windows from then on, and
    /// the rolled-back version's refine watch ends.
    /// </summary>
    public void ResetEpisode()
    {
        lock (_gate)
        {
            _episodeStartS = null;
            _settling = false;
            _refine = null;
            _refineDue = null;
            _uncovered = null;
        }
    }

    /// <summary>
    /// The data clock was re-anchored (clock_adjusted) and the stored windows moved by <paramref name="offsetS"/>: the
    /// episode's start and a waiting job's data times move with them, so the job still trains on the windows it meant.
    /// </summary>
    public void ShiftDataTimes(double offsetS)
    {
        lock (_gate)
        {
            if (_episodeStartS is { } start) _episodeStartS = start + offsetS;
            _job?.ShiftBy(offsetS);
            _refine?.ShiftBy(offsetS);
            _refineDue?.ShiftBy(offsetS);
        }
    }

    /// <summary>
    /// Drift was declared at data time <paramref name="dataS"/>; the change began at <paramref name="onsetS"/>
    /// (pipeline thread). The episode — the windows a drift job fits — starts at the first onset and runs
    /// until a promoted version has settled (or a rollback).
    /// </summary>
    public void OnDriftDetected(double dataS, double onsetS)
    {
        lock (_gate)
        {
            _episodeStartS ??= onsetS;
            _settledWindows = 0;
        }
        if (Mode == AdaptationMode.Off) return;
        lock (_gate) _driftWaiting = true;
        TryStartDriftJob(dataS);
    }

    /// <summary>A window entered the sample store.</summary>
    public void OnSampleStored(double dataS, ReadOnlySpan<float> features)
    {
        AdaptationJob? ready = null;
        lock (_gate)
        {
            if (_job is { Task: null } job && dataS >= job.SinceS)
            {
                if (job.Collect(dataS, features, _active, Settings, out int wanted)) ready = job;
                else _status.SetCollecting(job.Collected, wanted);
            }
        }
        if (ready is not null) StartTraining(ready, dataS);
    }

    /// <summary>
    /// Every scored window: a drift that waited for the back-off may start now; a promoted version that has
    /// run without drift for as long as the detector needs to declare one ends the episode, so a later change
    /// is fitted on its own windows, not on those of a change already adapted to. A promoted drift version's
    /// false alarms are watched (<see cref="RefineWatch"/>, Adaptation:RefineMinutes): over twice its budget, its episode is refitted.
    /// </summary>
    public void OnWindowScored(double dataS, int version, bool flagged, bool driftDetected)
    {
        bool waiting;
        DueRefine? refine;
        lock (_gate)
        {
            if (_settling && _episodeStartS is not null && _job is null && !driftDetected && ++_settledWindows >= _settleTarget)
            {
                _episodeStartS = null;
                _settling = false;
            }
            refine = WatchForRefine(dataS, version, flagged, driftDetected);
            waiting = _driftWaiting && _job is null && dataS >= _nextAllowedS;
        }
        if (refine is not null) StartRefine(refine, dataS);
        if (waiting)
        {
            if (!driftDetected || Mode == AdaptationMode.Off) lock (_gate) _driftWaiting = false;
            else TryStartDriftJob(dataS);
        }
        AdaptationLoopState now;
        lock (_gate) now = Snapshot();
        ShowRefine(now.Refine);
        ShowProbation(now.Probation);
        SaveLoop(now, dataS);
    }

    /// <summary>The retrain command: trains on the newest windows when there are enough, else collects first.</summary>
    public (string? Job, RetrainRefusal Refusal) RequestRetrain(string? method, int? epochs, int? samples, double dataS)
    {
        int wanted = Math.Max(samples ?? Settings.Adaptation.MinSamples, 16);
        (AdaptationJob? job, RetrainRefusal refusal) = TryClaim("retrain command", dataS, double.NegativeInfinity, wanted, method, epochs, episodeStartS: null);
        if (job is null) return (null, refusal);
        int stored = _samples.CountSince(long.MinValue);
        if (stored >= wanted) StartTraining(job, dataS);
        else
        {
            lock (_gate) job.Collected = stored;
            _status.SetActivity(DaemonState.Collecting);
            _status.SetCollecting(stored, wanted);
        }
        return (job.Id, RetrainRefusal.None);
    }

    /// <summary>
    /// Under the lock: whether a job now would refit <paramref name="version"/> because its own fit did not cover its new
    /// normal — its watch fired, or a drift comes while it is watched (<see cref="_uncovered"/>).
    /// </summary>
    bool Uncovered(int version) => _refine is { Over: false } watch && watch.Version == version || _uncovered == version;

    /// <summary>Under the lock: feeds the watch → the refine that may start now, else null.</summary>
    DueRefine? WatchForRefine(double dataS, int version, bool flagged, bool driftDetected)
    {
        // Only the windows the watched version scores count: the promotion's own window (and, with jobs on their own
        // thread, a few after it) was scored by the version before, under that version's drift.
        if (_refineDue is { } waiting && waiting.Version == version)
        {
            if (driftDetected) _refineDue = null; // the drift job refits, and its promotion decides again
            else _refineWaited++;
        }
        if (_refine is { } watch && watch.Version == version)
        {
            if (driftDetected) // the drift job refits, and its promotion arms a new watch
            {
                if (!watch.Over) _uncovered = version;
                _refine = null;
            }
            else if (watch.Observe(dataS, flagged) is var finding and not WatchFinding.None)
            {
                _refine = null;
                if (finding == WatchFinding.OverBudget) _uncovered = version;
                if (_refineDue is null) // a probe refine of the same episode may already wait
                {
                    string found = $"refine: version {watch.Version} flagged {watch.Share:P1} of the {watch.Windows} windows after its promotion " +
                        $"(budget {Settings.Anomaly.FalseAlarmBudget:P0})";
                    _refineDue = finding == WatchFinding.OverBudget ? new DueRefine(watch.EpisodeStartS, watch.Version, found)
                        : new DueRefine(watch.EpisodeStartS, watch.Version, $"{found}: its threshold is read again", recalibrates: true);
                    _refineWaited = 0;
                }
            }
        }
        if (_refineDue is null || _refineWaited < _settleWindows || _job is not null || dataS < _nextAllowedS || Mode == AdaptationMode.Off
            || _promotions.Pending is not null) return null;
        DueRefine due = _refineDue;
        _refineDue = null;
        return due;
    }

    /// <summary>
    /// A refine collects Adaptation:MinSamples new windows first, as a drift job does, and then fits its whole episode: it exists
    /// because the windows up to the last fit did not cover the new normal, and more of them is what covers it (fan ×0.75
    /// silentA → hum60: a refit at the rate limit caught 67 % of the damage, 120 windows later 85 %; docs/BENCHMARKS.md,
    /// issue 9 session 10).
    /// </summary>
    void StartRefine(DueRefine due, double dataS)
    {
        (AdaptationJob? job, _) = TryClaim(due.Reason, dataS, dataS, Settings.Adaptation.MinSamples, null, null, due.EpisodeStartS, refine: due);
        if (job is not null) ShowCollecting(job);
    }

    void TryStartDriftJob(double dataS)
    {
        double? episode;
        lock (_gate)
        {
            if (_promotions.Pending is not null)
            {
                _driftWaiting = false; // a candidate for this drift already waits for the operator
                return;
            }
            episode = _episodeStartS;
        }
        (AdaptationJob? job, _) = TryClaim("drift", dataS, dataS, Settings.Adaptation.MinSamples, null, null, episode);
        if (job is null) return;
        lock (_gate) _driftWaiting = false;
        ShowCollecting(job);
    }

    /// <summary>A job that collects new windows before it fits: status `collecting`, none of them yet.</summary>
    void ShowCollecting(AdaptationJob job)
    {
        _status.SetActivity(DaemonState.Collecting);
        _status.SetCollecting(0, job.SamplesWanted);
    }

    /// <summary>Checks that no job runs and the rate limit allows one, and creates it, in one step (two threads ask).</summary>
    (AdaptationJob?, RetrainRefusal) TryClaim(string reason, double dataS, double sinceS, int wanted, string? method, int? epochs, double? episodeStartS,
        DueRefine? refine = null)
    {
        lock (_gate)
        {
            if (_job is not null) return (null, RetrainRefusal.Busy);
            if (dataS < _nextAllowedS) return (null, RetrainRefusal.RateLimited);
            _job = new AdaptationJob($"job-{NowMs}-{++_jobCounter}", reason, sinceS, wanted,
                method ?? Settings.Adaptation.Method, epochs ?? Settings.Adaptation.Epochs, episodeStartS)
            {
                WantsCoverage = reason == "drift" && Settings.Adaptation.Coverage,
                Refines = refine,
                RefitsUncovered = refine is not null ? (refine.ShortOfRoom is null && !refine.Recalibrates || Uncovered(refine.Version) ? refine.Version : null)
                    : reason == "drift" && Uncovered(_active.Current.Info.Version) ? _active.Current.Info.Version : null,
            };
            return (_job, RetrainRefusal.None);
        }
    }

    void StartTraining(AdaptationJob job, double dataS)
    {
        lock (_gate)
        {
            if (job.Task is not null) return;
            _nextAllowedS = dataS + Settings.Adaptation.MinIntervalMinutes * 60;
            if (!RunInline)
            {
                job.Task = TrainingScheduler is { } shared
                    ? Task.Factory.StartNew(() => Run(job), CancellationToken.None, TaskCreationOptions.HideScheduler, shared)
                    : Task.Factory.StartNew(() => Run(job), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                return;
            }
            job.Task = Task.CompletedTask;
        }
        Run(job);
    }

    void Run(AdaptationJob job)
    {
        DaemonSettings settings = Settings; // one snapshot for the whole job
        try
        {
            TrainedCandidate trained = _training.Fit(job, settings, RecordHistory ? _history : null);
            if (trained.Report.Accepted) _promotions.Accept(job, trained);
            else Reject(job, trained, settings);
        }
        catch (Exception e)
        {
            _events.Emit("training_failed", NowMs, new JsonObject { ["job"] = job.Id, ["error"] = e.Message });
        }
        finally
        {
            lock (_gate) _job = null;
            _status.SetActivity(DaemonState.Monitoring);
        }
    }

    void Reject(AdaptationJob job, TrainedCandidate trained, DaemonSettings settings)
    {
        Rejected++;
        _events.Emit("model_rejected", NowMs, new JsonObject
        {
            ["job"] = job.Id, ["reason"] = trained.Report.Reason, ["metrics"] = MetricsJson.Rounded(trained.Metrics),
            ["retryAfterMinutes"] = settings.Adaptation.MinIntervalMinutes,
        });
        _attention?.OnRefused(trained.Report.Reason);
        if (job.Refines is { ShortOfRoom: { } shortfall } refine) LeaveShort(new StoredShortfall(refine.Version, shortfall, $"its refit was refused ({trained.Report.Reason})"));
        lock (_gate) _driftWaiting = Mode != AdaptationMode.Off;
    }

    /// <summary>
    /// A version fitted on a drift episode from <paramref name="episodeStartS"/> is in use: the episode settles, its false alarms
    /// are watched (Adaptation:RefineMinutes), and with Adaptation:ProbeRefine a version that passed a probe kind only by the
    /// unadapted network's cap (<paramref name="shortOfRoom"/>: a nearest-neighbour detector on its windows sees those probes,
    /// it does not) gets a refine of its episode as soon as the rate limit allows — a first job fitted on the windows up to a late
    /// declaration misses most of a damaged slower fan after a quiet → loud change, while the refit of the whole episode ten
    /// minutes later catches most of it (docs/BENCHMARKS.md, issue 9 session 10). Otherwise a version whose threshold was read from
    /// fewer held-out windows than Adaptation:RecalibrateBelow (<paramref name="fewHeldOut"/>) gets the same refine, judged as a
    /// recalibration: the quantile of a first job's ~100 held-out windows swings with the few at its tail (silentA → hum60: one
    /// window at 1.45 set the threshold at 1.20 where the held-back windows' 99th percentile is 0.88, and 79 % of damage2 went
    /// unflagged; docs/BENCHMARKS.md, issue 9 session 19). A refine's own version is not refined again.
    /// </summary>
    void OnPromoted(double? episodeStartS, int version, ProbeKindVerdict? shortOfRoom, int? fewHeldOut)
    {
        lock (_gate)
        {
            _settling = episodeStartS is not null;
            _settledWindows = 0;
            _settleTarget = _settleWindows;
            DaemonSettings settings = Settings;
            _refineDue = null;
            _uncovered = null;
            _refine = episodeStartS is double start && settings.Adaptation.RefineMinutes > 0
                ? new RefineWatch(start, version, settings.Adaptation.RefineMinutes, settings.Drift.Window, settings.Anomaly.FalseAlarmBudget)
                : null;
            if (shortOfRoom is not null && episodeStartS is double episode && settings.Adaptation.ProbeRefine)
            {
                _refineDue = new DueRefine(episode, version, $"refine: version {version} passed the probe guard only because the network " +
                    $"without adapters is as blind ({shortOfRoom.Shortfall})", shortOfRoom);
                _refineWaited = 0;
            }
            else if (fewHeldOut is int held && episodeStartS is double recalibrated)
            {
                _refineDue = new DueRefine(recalibrated, version, $"refine: version {version}'s threshold was read from {held} held-out windows " +
                    $"(Adaptation:RecalibrateBelow {settings.Adaptation.RecalibrateBelow})", recalibrates: true);
                _refineWaited = 0;
            }
        }
        if (shortOfRoom is not null && !Settings.Adaptation.ProbeRefine) LeaveShort(new StoredShortfall(version, shortOfRoom, "Adaptation:ProbeRefine is off"));
    }

    /// <summary>
    /// A probation rolled back at data time <paramref name="dataS"/>: no job starts for Adaptation:MinIntervalMinutes, and the
    /// drift episode the failed version was fitted on (<paramref name="failedEpisodeStartS"/>) is open again, even when it had
    /// settled: the version in use now has seen none of that change, so the next drift job refits it from its onset with the
    /// windows since. Until session 9 a rollback ended the episode, and the next job fitted only the windows after it — a new
    /// normal's later conditions without its first ones (rooms-mix025 mix025 → silentA, when its first job came early:
    /// 4.0 % false alarms against 1.9 %; docs/BENCHMARKS.md, issue 9 session 9). If the change was passing and the restored version declares no drift for
    /// twice as long as the detector needs to (its detector starts empty), the episode ends, so that a much later change
    /// is not fitted together with this one.
    /// </summary>
    void OnRolledBack(double dataS, double? failedEpisodeStartS)
    {
        lock (_gate)
        {
            if (failedEpisodeStartS is double start) _episodeStartS = Math.Min(_episodeStartS ?? start, start);
            _settling = _episodeStartS is not null; // settles like a promotion, only slower
            _settledWindows = 0;
            _settleTarget = 2 * _settleWindows;
            _refine = null;
            _refineDue = null;
            _uncovered = null;
            _nextAllowedS = Math.Max(_nextAllowedS, dataS + Settings.Adaptation.MinIntervalMinutes * 60);
        }
    }
}
