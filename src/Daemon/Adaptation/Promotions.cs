using System.Text.Json.Nodes;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.FineTuning;
using SensorOdl.Learning.Models;

namespace SensorOdl.Daemon.Adaptation;

/// <summary>
/// The promotion side of adaptation: an accepted candidate is promoted (auto) or held as pending (confirm) until
/// `promote` or `discard`; every promotion starts a <see cref="Probation"/> whose failure rolls the previous version
/// back. Shares the coordinator's lock; <paramref name="promoted"/> (the drift episode's start, null for none; the version; its
/// probe kind short of the room, <see cref="PendingCandidate.ShortOfRoom"/>; its few held-out windows, <see cref="PendingCandidate.FewHeldOut"/>) and
/// <paramref name="rolledBack"/> (at data time; the rolled-back version's drift episode start, null for none) let the coordinator
/// keep its episode and back-off.
/// </summary>
sealed class Promotions(LiveSettings live, ModelRegistry registry, IEventSink events, DaemonStatus status, ActiveModel active,
    TimeProvider time, object gate, Action<double?, int, ProbeKindVerdict?, int?> promoted, Action<double, double?> rolledBack, AttentionMonitor? attention = null)
{
    PendingCandidate? _pending = Restore(registry, status, active);
    /// <summary>The version in use on probation, as it was activated, and what a restart needs to go on with it; null for none.</summary>
    volatile OnProbation? _probation;

    sealed record OnProbation(ModelInUse InUse, Probation Probation, int PreviousVersion, double? EpisodeStartS);

    long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();
    public int Promoted { get; private set; }
    public int RolledBack { get; private set; }
    public PendingCandidate? Pending { get { lock (gate) return _pending; } }

    /// <summary>A candidate that passed validation: stored as a new version, then promoted, or held in confirm mode.</summary>
    public void Accept(AdaptationJob job, TrainedCandidate trained)
    {
        bool hold = live.Current.Adaptation.Mode == AdaptationMode.Confirm;
        string reason = trained.Report.Reason;
        ModelVersionRecord record = registry.AddAdapted(trained.Model, trained.ParentVersion, $"{job.Description}: {reason}",
            trained.Report.Fitted, trained.Metrics, job.Id, activate: !hold, trained.FitFromSample);
        var kept = new PendingCandidate(trained.Model, record, job.Id, trained.ParentVersion, reason, MetricsJson.Rounded(trained.Metrics),
            job.EpisodeStartS)
        {
            Blindness = trained.Report.Probes is { Passed: false } unenforced ? unenforced.PromotedAnyway : null,
            ShortOfRoom = !job.IsRefine && trained.Report.Probes is { Passed: true, ShortOfRoom: { } kind } ? kind : null,
            FewHeldOut = !job.IsRefine && trained.Report.Calibration + trained.Report.Validation is int held
                && held < live.Current.Adaptation.RecalibrateBelow ? held : null,
        };
        if (hold) Hold(kept);
        else Promote(kept);
    }

    /// <summary>Confirm mode: the candidate is stored, not active; a newer one replaces it (the older is discarded).</summary>
    void Hold(PendingCandidate candidate)
    {
        PendingCandidate? replaced;
        lock (gate)
        {
            replaced = _pending;
            _pending = candidate;
        }
        registry.SetPending(candidate.Version);
        if (replaced is not null) EmitDiscarded(replaced, $"replaced by version {candidate.Version}");
        status.SetCandidate(candidate.Version, candidate.Metrics);
        events.Emit("model_pending", NowMs, CandidateEvent(candidate));
    }

    public PendingCandidate? PromotePending(int? version)
    {
        PendingCandidate? candidate = TakePending(version);
        if (candidate is null) return null;
        registry.Activate(candidate.Version);
        Promote(candidate);
        return candidate;
    }

    public PendingCandidate? DiscardPending(int? version)
    {
        PendingCandidate? candidate = TakePending(version);
        if (candidate is not null) EmitDiscarded(candidate, "discard command");
        return candidate;
    }

    public void PromoteStored(AnomalyModel model, ModelVersionRecord record, string reason)
    {
        registry.Activate(record.Version);
        Promote(new PendingCandidate(model, record, record.Job, active.Current.Info.Version, reason, MetricsJson.Rounded(record.Metrics),
            EpisodeStartS: null));
    }

    PendingCandidate? TakePending(int? version)
    {
        PendingCandidate? candidate;
        lock (gate)
        {
            candidate = _pending;
            if (candidate is null || version is int v && v != candidate.Version) return null;
            _pending = null;
        }
        registry.SetPending(null);
        status.SetCandidate(null, null);
        return candidate;
    }

    /// <summary>
    /// The candidate a previous run left pending (the registry's pending pointer), pending again: status `pending` with its
    /// `candidate`, `promote`/`discard` act on it. One that is no longer there to load (retired, active, damaged) is forgotten.
    /// </summary>
    static PendingCandidate? Restore(ModelRegistry registry, DaemonStatus status, ActiveModel active)
    {
        if (registry.PendingVersion is not int version) return null;
        try
        {
            if (registry.Get(version) is { Retired: false } record && version != active.Current.Info.Version)
            {
                AnomalyModel model = registry.Load(record, new FineTuneOptions());
                var candidate = new PendingCandidate(model, record, record.Job, record.ParentVersion ?? active.Current.Info.Version, record.Reason,
                    MetricsJson.Rounded(record.Metrics), EpisodeStartS: null);
                status.SetCandidate(candidate.Version, candidate.Metrics);
                return candidate;
            }
        }
        catch (Exception e) when (e is ModelFormatException or IOException or KeyNotFoundException or UnauthorizedAccessException) { }
        registry.SetPending(null);
        return null;
    }

    /// <summary>At start: the pending candidate restored from the registry gets back its drift episode and probe verdicts (<paramref name="saved"/>).</summary>
    public void ResumePending(StoredPending? saved)
    {
        lock (gate)
        {
            if (saved is null || _pending is not { } pending || pending.Version != saved.Version) return;
            _pending = pending with { EpisodeStartS = saved.EpisodeStartS, Blindness = saved.Blindness, ShortOfRoom = saved.ShortOfRoom, FewHeldOut = saved.FewHeldOut };
        }
    }

    void EmitDiscarded(PendingCandidate candidate, string reason) =>
        events.Emit("model_discarded", NowMs, new JsonObject { ["job"] = candidate.Job, ["version"] = candidate.Version, ["reason"] = reason });

    /// <summary>Makes a version active (its record already is the registry's active one) and puts it on probation.</summary>
    void Promote(PendingCandidate candidate)
    {
        ModelInUse previous = active.Current;
        active.Activate(WithProbation(new ModelInUse(candidate.Model, ModelInfo.Of(candidate.Record)), candidate.Record, previous, candidate.EpisodeStartS));
        promoted(candidate.EpisodeStartS, candidate.Version, candidate.ShortOfRoom, candidate.FewHeldOut);
        Promoted++;
        events.Emit("model_promoted", NowMs, CandidateEvent(candidate));
        attention?.OnPromoted(candidate.Version, candidate.Blindness);
    }

    /// <summary>
    /// <paramref name="promoted"/> with the previous version scoring beside it (Adaptation:ProbationMinutes; as it is when 0),
    /// its validation windows counted first; <paramref name="resumed"/>: the probation a previous run left, going on.
    /// </summary>
    ModelInUse WithProbation(ModelInUse promoted, ModelVersionRecord record, ModelInUse previous, double? episodeStartS, StoredProbation? resumed = null)
    {
        DaemonSettings settings = live.Current;
        _probation = null;
        if (settings.Adaptation.ProbationMinutes <= 0) return promoted;
        ModelInUse? watched = null;
        ProbationCounts validation = ProbationCounts.FromValidation(record.Metrics);
        var probation = new Probation(previous.Model, settings.Adaptation.ProbationMinutes, settings.Adaptation.ProbationFactor, settings.Anomaly.FalseAlarmBudget,
            (counts, dataS) => RollBackAfterProbation(previous, watched!, episodeStartS, counts, validation.Windows, dataS), validation);
        if (resumed is not null) probation.Resume(new ProbationCounts(resumed.Windows, resumed.NewFlagged, resumed.OldFlagged), resumed.ElapsedS);
        watched = promoted with { Shadow = probation };
        _probation = new OnProbation(watched, probation, previous.Info.Version, episodeStartS);
        return watched;
    }

    /// <summary>The probation of the version in use as a restart should find it (pipeline thread, where it counts); null when none runs.</summary>
    public StoredProbation? ProbationState()
    {
        if (_probation is not { } on || on.Probation.Over || !ReferenceEquals(active.Current, on.InUse)) return null;
        ProbationCounts since = on.Probation.Since;
        return new StoredProbation(on.InUse.Info.Version, on.PreviousVersion, on.EpisodeStartS, on.Probation.ElapsedS, since.Windows, since.NewFlagged, since.OldFlagged);
    }

    /// <summary>
    /// At start: the probation a previous run left for the version still in use goes on against its previous version (loaded
    /// from the registry), so a power cut right after a promotion does not wave the new version through. Gone when that
    /// version is retired or no longer loads.
    /// </summary>
    public void ResumeProbation(StoredProbation? saved)
    {
        ModelInUse current = active.Current;
        if (saved is null || saved.Version != current.Info.Version) return;
        try
        {
            if (registry.Get(saved.PreviousVersion) is not { Retired: false } previousRecord || registry.Get(saved.Version) is not { } record) return;
            var previous = new ModelInUse(registry.Load(previousRecord, new FineTuneOptions()), ModelInfo.Of(previousRecord));
            active.Replace(current, WithProbation(current, record, previous, saved.EpisodeStartS, saved));
        }
        catch (Exception e) when (e is ModelFormatException or IOException or KeyNotFoundException or UnauthorizedAccessException) { }
    }

    static JsonObject CandidateEvent(PendingCandidate candidate) => new()
    {
        ["job"] = candidate.Job, ["version"] = candidate.Version, ["id"] = candidate.Record.Id, ["parentVersion"] = candidate.ParentVersion,
        ["method"] = candidate.Record.Method, ["reason"] = candidate.Reason, ["metrics"] = candidate.Metrics.DeepClone(),
    };

    /// <summary>Probation failed (pipeline thread): the previous version becomes active again. <paramref name="counts"/> include the <paramref name="validationWindows"/>.</summary>
    void RollBackAfterProbation(ModelInUse previous, ModelInUse failed, double? failedEpisodeStartS, ProbationCounts counts, long validationWindows, double dataS)
    {
        if (!ReferenceEquals(active.Current, failed)) return; // a rollback or promotion came first
        try { registry.Activate(previous.Info.Version); }
        catch (KeyNotFoundException) { return; } // the previous version was retired meanwhile: nothing to go back to
        if (!active.Replace(failed, previous with { Shadow = null })) return;
        rolledBack(dataS, failedEpisodeStartS);
        RolledBack++;
        int from = failed.Info.Version, to = previous.Info.Version;
        events.Emit("model_rolled_back", NowMs, new JsonObject
        {
            ["version"] = to, ["fromVersion"] = from, ["toVersion"] = to, ["id"] = previous.Info.Id,
            ["reason"] = $"probation: flagged {SharePercent.Of(counts.NewShare)} of windows against {SharePercent.Of(counts.OldShare)} for v{to}",
            ["metrics"] = new JsonObject
            {
                ["newShare"] = Math.Round(counts.NewShare, 4), ["oldShare"] = Math.Round(counts.OldShare, 4), ["windows"] = counts.Windows,
                ["newFlagged"] = counts.NewFlagged, ["oldFlagged"] = counts.OldFlagged, ["validationWindows"] = validationWindows,
            },
            ["retryAfterMinutes"] = live.Current.Adaptation.MinIntervalMinutes,
        });
    }
}
