using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;

namespace SensorOdl.Daemon.Adaptation;

/// <summary>The coordinator's loop state (<see cref="AdaptationLoopState"/>): resumed at start, written as it changes, its due refine shown in status.</summary>
public sealed partial class AdaptationCoordinator
{
    /// <summary>The version left short of its room on a probe kind, for status `attention` (<see cref="AttentionMonitor.OnProbeShortLeft"/>) again after a restart.</summary>
    StoredShortfall? _unmended;
    /// <summary>Where the loop's state is kept across restarts (null: nowhere), and what was last written there (pipeline thread).</summary>
    readonly AdaptationLoopStore? _loop;
    AdaptationLoopState? _saved, _savedShape;
    double _savedS = double.NegativeInfinity;
    /// <summary>The refine status `refine` shows (pipeline thread).</summary>
    (int Version, string Reason)? _refineShown;
    bool _probationShown;

    /// <summary>
    /// The state a previous run left (<see cref="AdaptationLoopState"/>) goes on: its episode, rate limit and settling, a refine, a
    /// watch, a probation, a pending candidate's episode, a `probe_short` notice and the version found not covering its new
    /// normal. When another version is in use than the one it was written with (`models rollback` while the daemon was
    /// stopped), only the rate limit does.
    /// </summary>
    void Resume(AdaptationLoopState saved)
    {
        int version = _active.Current.Info.Version;
        AdaptationSettings adaptation = Settings.Adaptation;
        lock (_gate)
        {
            _nextAllowedS = saved.NextAllowedS ?? double.NegativeInfinity;
            if (saved.Version != version) return;
            _episodeStartS = saved.EpisodeStartS;
            _settling = saved.Settling && saved.EpisodeStartS is not null;
            _settleTarget = saved.SettleTarget;
            if (saved.Refine is { } refine && refine.Version == version)
            {
                _refineDue = new DueRefine(refine.EpisodeStartS, refine.Version, refine.Reason, refine.ShortOfRoom, refine.Recalibrates);
                _refineWaited = refine.Waited;
            }
            if (saved.Watch is { } watch && watch.Version == version && adaptation.RefineMinutes > 0)
            {
                _refine = new RefineWatch(watch.EpisodeStartS, watch.Version, adaptation.RefineMinutes, Settings.Drift.Window, Settings.Anomaly.FalseAlarmBudget);
                _refine.Resume(watch.ElapsedS, watch.Windows, watch.Flagged);
            }
            _uncovered = saved.Uncovered == version ? version : null;
        }
        _promotions.ResumeProbation(saved.Probation);
        _promotions.ResumePending(saved.Pending);
        if (saved.Unmended is { } unmended && unmended.Version == version) LeaveShort(unmended);
        AdaptationLoopState resumed;
        lock (_gate) resumed = Snapshot();
        Remember(resumed);
    }

    /// <summary>Under the lock: the loop's state as a restart should find it.</summary>
    AdaptationLoopState Snapshot()
    {
        // A refine whose job is collecting or fitting is still due after a restart: that job is gone with the process.
        DueRefine? refine = _refineDue ?? _job?.Refines;
        return new AdaptationLoopState
        {
            Version = _active.Current.Info.Version,
            EpisodeStartS = _episodeStartS,
            Settling = _settling,
            SettleTarget = _settleTarget,
            NextAllowedS = double.IsNegativeInfinity(_nextAllowedS) ? null : _nextAllowedS,
            Refine = refine is null ? null
                : new StoredRefine(refine.EpisodeStartS, refine.Version, refine.Reason, _refineDue is null ? _settleWindows : _refineWaited) { ShortOfRoom = refine.ShortOfRoom, Recalibrates = refine.Recalibrates },
            Watch = _refine is { Over: false } watch ? new StoredWatch(watch.EpisodeStartS, watch.Version, watch.ElapsedS, watch.Windows, watch.Flagged) : null,
            Probation = _promotions.ProbationState(),
            Pending = _promotions.Pending is { } pending
                ? new StoredPending(pending.Version, pending.EpisodeStartS) { Blindness = pending.Blindness, ShortOfRoom = pending.ShortOfRoom, FewHeldOut = pending.FewHeldOut }
                : null,
            Unmended = _unmended is { } unmended && unmended.Version == _active.Current.Info.Version ? unmended : null,
            Uncovered = _uncovered,
        };
    }

    /// <summary>The daemon stops (its sensor thread has ended): the loop's state as it stands now, counters included, synced.</summary>
    public void SaveState()
    {
        if (_loop is null) return;
        AdaptationLoopState now;
        lock (_gate) now = Snapshot();
        _loop.Save(now, durable: true);
        Remember(now);
    }

    /// <summary>What was last written, and its shape (computed once, not at every window).</summary>
    void Remember(AdaptationLoopState saved) => (_saved, _savedShape) = (saved, saved.Shape());

    /// <summary>Pipeline thread, after every window: status `refine` follows a refine from the moment it comes due until its job's verdict.</summary>
    void ShowRefine(StoredRefine? refine)
    {
        (int Version, string Reason)? shown = refine is null ? null : (refine.Version, refine.Reason);
        if (shown == _refineShown) return;
        _refineShown = shown;
        _status.SetRefine(shown?.Version, shown?.Reason);
    }

    /// <summary>Pipeline thread, after every window: status `probation` follows the version in use's probation while it runs.</summary>
    void ShowProbation(StoredProbation? p)
    {
        if (p is null && !_probationShown) return;
        _probationShown = p is not null;
        if (p is null)
        {
            _status.SetProbation(null);
            return;
        }
        var since = new ProbationCounts(p.Windows, p.NewFlagged, p.OldFlagged);
        _status.SetProbation(new ProbationInfo(p.Version, p.PreviousVersion, since.Windows, since.NewShare, since.OldShare,
            Math.Max(0, Settings.Adaptation.ProbationMinutes - p.ElapsedS / 60)));
    }

    /// <summary>
    /// Pipeline thread, after every window: writes the loop's state when its shape changed (a promotion, a refine that
    /// came due, the episode's end; synced), or when only its counters moved (a watch's or a probation's windows), once per
    /// Storage:SampleFlushSeconds of data, as the stored windows are: a power cut loses at most that span of counts, never a
    /// refine, a watch or a probation. Written once a minute they added 0.9 MB per hour of a watch to the sample ring's 9.1,
    /// every 5 minutes 0.3 (bench/sample-writes; docs/BENCHMARKS.md, issue 9 session 11).
    /// </summary>
    void SaveLoop(AdaptationLoopState now, double dataS)
    {
        if (_loop is null) return;
        if (now == _saved) return; // most windows: nothing moved
        bool reshaped = now.Shape() != _savedShape;
        if (!reshaped && dataS - _savedS < Settings.Storage.SampleFlushSeconds) return;
        _loop.Save(now, durable: reshaped);
        Remember(now);
        _savedS = dataS;
    }

    /// <summary>A version stays short of its room on a probe kind: status `attention` says so while it is in use, also after a restart.</summary>
    void LeaveShort(StoredShortfall unmended)
    {
        lock (_gate) _unmended = unmended;
        _attention?.OnProbeShortLeft(unmended.Version, unmended.ShortOfRoom, unmended.Why);
    }
}
