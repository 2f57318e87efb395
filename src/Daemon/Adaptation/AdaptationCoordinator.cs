using System.Diagnostics;
using System.Text.Json.Nodes;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.Caches;
using SensorOdl.Learning.Drift;
using SensorOdl.Learning.Training;

namespace SensorOdl.Daemon.Adaptation;

/// <summary>A job that ran to a verdict: the windows it fitted ([n, d] features, their sample ids), the fine-tune's seconds, and the verdict.</summary>
public sealed record FinishedJob(string Id, float[] Features, long[] Ids, double Seconds, bool Promoted, string Reason, ProbeVerdict? Probes = null)
{
    public double? ProbeRecallReference => Probes?.Reference;
    public double? ProbeRecall => Probes?.Recall;
}

/// <summary>Why a retrain request was not started.</summary>
public enum RetrainRefusal
{
    None,
    Busy,
    RateLimited,
}

/// <summary>
/// Collect → fine-tune → validate → promote, in the background. Drift (Mode=auto or confirm) or a retrain command
/// starts a job; the job waits until enough new windows are in the sample store, fits fresh adapters on the
/// frozen base from the forward cache, and keeps the candidate only if it passes validation: auto promotes it,
/// confirm holds it as pending until `promote` or `discard`. Every promotion starts a probation (<see cref="Probation"/>):
/// the previous version scores in the shadow and a new version that flags far more windows is rolled back by itself.
/// Intervals (rate limit, back-off after a rejection or a probation rollback) are measured on the data's clock.
/// </summary>
public sealed class AdaptationCoordinator : IWindowObserver
{
    readonly LiveSettings _live;
    readonly ModelRegistry _registry;
    readonly SampleStore _samples;
    readonly IEventSink _events;
    readonly DaemonStatus _status;
    readonly IForwardCacheStore _cache;
    readonly ActiveModel _active;
    readonly TimeProvider _time;
    readonly ProbeSet? _probes;
    readonly object _gate = new();
    readonly List<FinishedJob> _history = [];
    Job? _job;
    PendingCandidate? _pending;
    double _nextAllowedS = double.NegativeInfinity;
    bool _driftWaiting;
    int _jobCounter;
    double? _episodeStartS;
    bool _promotedInEpisode;
    int _settledWindows;
    readonly int _settleWindows;

    public AdaptationCoordinator(LiveSettings settings, ModelRegistry registry, SampleStore samples, IEventSink events,
        DaemonStatus status, IForwardCacheStore cache, ActiveModel active, TimeProvider time, ProbeSet? probes = null)
    {
        _probes = probes;
        _live = settings;
        _registry = registry;
        _samples = samples;
        _events = events;
        _status = status;
        _cache = cache;
        _active = active;
        _time = time;
        _settleWindows = settings.Current.Drift.Window + settings.Current.Drift.Persistence;
    }

    DaemonSettings Settings => _live.Current;
    AdaptationMode Mode => Settings.Adaptation.Mode;
    long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();
    public int Promoted { get; private set; }
    public int Rejected { get; private set; }
    public int RolledBack { get; private set; }
    /// <summary>Confirm mode: the validated candidate waiting for `promote` or `discard`, else null.</summary>
    public PendingCandidate? Pending { get { lock (_gate) return _pending; } }
    /// <summary>Keep every finished job's windows and time in <see cref="History"/> (evaluations; never in the daemon: it holds the features).</summary>
    public bool RecordHistory { get; init; }
    public IReadOnlyList<FinishedJob> History => _history;
    /// <summary>Run jobs on the calling (pipeline) thread: deterministic replays for evaluation; never in the daemon.</summary>
    public bool RunInline { get; init; }

    /// <summary>
    /// Forgets the current drift episode (after a rollback): the next drift job trains only on windows from then on.
    /// </summary>
    public void ResetEpisode()
    {
        lock (_gate)
        {
            _episodeStartS = null;
            _promotedInEpisode = false;
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
            if (_job is { } job)
            {
                job.SinceS += offsetS;
                if (job.EpisodeStartS is { } episode) job.EpisodeStartS = episode + offsetS;
            }
        }
    }

    sealed class Job(string id, string reason, double sinceS, int samplesWanted, string method, int epochs, double? episodeStartS = null)
    {
        /// <summary>Where the windows to train on start: the first drift of the episode, so that every new normal seen since is kept.</summary>
        public double? EpisodeStartS { get; set; } = episodeStartS;
        public string Id { get; } = id;
        public string Reason { get; } = reason;
        public double SinceS { get; set; } = sinceS;
        public int SamplesWanted { get; } = samplesWanted;
        public string Method { get; } = method;
        public int Epochs { get; } = epochs;
        public int Collected { get; set; }
        public Task? Task { get; set; }
        /// <summary>Drift jobs with Adaptation:Coverage: collect until the windows cover the new normal.</summary>
        public bool WantsCoverage { get; init; }
        public CollectionCoverage? Coverage { get; set; }
        public double? FirstS { get; set; }
        /// <summary>What the collection ended on (coverage reached, or the maximum wait), for the version's reason.</summary>
        public string? CollectionNote { get; set; }
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
        Job? ready = null;
        lock (_gate)
        {
            if (_job is { Task: null } job && dataS >= job.SinceS)
            {
                job.Collected++;
                int wanted = job.WantsCoverage ? Cover(job, dataS, features) : job.SamplesWanted;
                if (job.Collected >= wanted || job.CollectionNote is not null) ready = job;
                else _status.SetCollecting(job.Collected, wanted);
            }
        }
        if (ready is not null) StartTraining(ready, dataS);
    }

    /// <summary>
    /// Adds the window to the job's coverage estimate → the windows now wanted; sets the job's collection note when
    /// the collection is covered or has waited Adaptation:MaxCollectMinutes of data time (it then trains on what is there).
    /// </summary>
    int Cover(Job job, double dataS, ReadOnlySpan<float> features)
    {
        DaemonSettings settings = Settings;
        if (job.Coverage is null)
        {
            float[] std = _active.Current.Model.Std;
            float[] scale = std.Length == features.Length ? std : [.. Enumerable.Repeat(1f, features.Length)];
            job.Coverage = new CollectionCoverage(scale, job.SamplesWanted, Math.Max(job.SamplesWanted, settings.Storage.SampleCapacity));
            job.FirstS = dataS;
        }
        CollectionCoverage coverage = job.Coverage;
        coverage.Add(features);
        double waitedMinutes = (dataS - job.FirstS!.Value) / 60;
        if (coverage.Covered)
            job.CollectionNote = $"covered after {coverage.Count} windows ({coverage.NewRegions} new region(s) seen while collecting)";
        else if (waitedMinutes >= settings.Adaptation.MaxCollectMinutes)
            job.CollectionNote = $"not covered after {settings.Adaptation.MaxCollectMinutes:0.#} min ({coverage.Count} of {coverage.Wanted} windows wanted, " +
                $"{coverage.NewRegions} new region(s)): trained on what was there";
        return coverage.Wanted;
    }

    /// <summary>
    /// Every scored window: a drift that waited for the back-off may start now; a promoted version that has
    /// run without drift for as long as the detector needs to declare one ends the episode, so a later change
    /// is fitted on its own windows, not on those of a change already adapted to.
    /// </summary>
    public void OnWindowScored(double dataS, bool driftDetected)
    {
        bool waiting;
        lock (_gate)
        {
            if (_promotedInEpisode && _episodeStartS is not null && _job is null && !driftDetected && ++_settledWindows >= _settleWindows)
            {
                _episodeStartS = null;
                _promotedInEpisode = false;
            }
            waiting = _driftWaiting && _job is null && dataS >= _nextAllowedS;
        }
        if (!waiting) return;
        if (!driftDetected || Mode == AdaptationMode.Off)
        {
            lock (_gate) _driftWaiting = false;
            return;
        }
        TryStartDriftJob(dataS);
    }

    /// <summary>The retrain command: trains on the newest windows when there are enough, else collects first.</summary>
    public (string? Job, RetrainRefusal Refusal) RequestRetrain(string? method, int? epochs, int? samples, double dataS)
    {
        int wanted = Math.Max(samples ?? Settings.Adaptation.MinSamples, 16);
        (Job? job, RetrainRefusal refusal) = TryClaim("retrain command", dataS, double.NegativeInfinity, wanted, method, epochs, episodeStartS: null);
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

    void TryStartDriftJob(double dataS)
    {
        double? episode;
        lock (_gate)
        {
            if (_pending is not null)
            {
                _driftWaiting = false; // a candidate for this drift already waits for the operator
                return;
            }
            episode = _episodeStartS;
        }
        (Job? job, _) = TryClaim("drift", dataS, dataS, Settings.Adaptation.MinSamples, null, null, episode);
        if (job is null) return;
        lock (_gate) _driftWaiting = false;
        _status.SetActivity(DaemonState.Collecting);
        _status.SetCollecting(0, job.SamplesWanted);
    }

    /// <summary>Checks that no job runs and the rate limit allows one, and creates it, in one step (two threads ask).</summary>
    (Job?, RetrainRefusal) TryClaim(string reason, double dataS, double sinceS, int wanted, string? method, int? epochs, double? episodeStartS)
    {
        lock (_gate)
        {
            if (_job is not null) return (null, RetrainRefusal.Busy);
            if (dataS < _nextAllowedS) return (null, RetrainRefusal.RateLimited);
            _job = new Job($"job-{NowMs}-{++_jobCounter}", reason, sinceS, wanted,
                method ?? Settings.Adaptation.Method, epochs ?? Settings.Adaptation.Epochs, episodeStartS)
            {
                WantsCoverage = reason == "drift" && Settings.Adaptation.Coverage,
            };
            return (_job, RetrainRefusal.None);
        }
    }

    void StartTraining(Job job, double dataS)
    {
        lock (_gate)
        {
            if (job.Task is not null) return;
            _nextAllowedS = dataS + Settings.Adaptation.MinIntervalMinutes * 60;
            if (!RunInline)
            {
                job.Task = Task.Factory.StartNew(() => Run(job), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                return;
            }
            job.Task = Task.CompletedTask;
        }
        Run(job);
    }

    static string Why(Job job) => job.CollectionNote is { } note ? $"{job.Reason} ({note})" : job.Reason;

    void Run(Job job)
    {
        var watch = Stopwatch.StartNew();
        DaemonSettings settings = Settings; // one snapshot for the whole job
        try
        {
            IReadOnlyList<SampleRecord> windows = job.EpisodeStartS is double episode
                ? _samples.Newest(settings.Storage.SampleCapacity, (long)Math.Round(episode * 1000))
                : _samples.Newest(job.SamplesWanted);
            _status.SetActivity(DaemonState.Training);
            _events.Emit("training_started", NowMs, new JsonObject
            {
                ["job"] = job.Id, ["method"] = job.Method, ["epochs"] = job.Epochs, ["samples"] = windows.Count, ["reason"] = Why(job),
            });
            ModelInUse active = _active.Current;
            AnomalyModel current = active.Model;
            int d = current.InputSize;
            float[] newNormal = [.. windows.SelectMany(w => w.Vector())];
            long[] ids = [.. windows.Select(w => w.Id)];
            float[] faults = [.. current.Exemplars, .. _samples.Labelled("fault").SelectMany(w => w.Vector())];
            var options = new AdaptationOptions
            {
                Method = job.Method,
                Rank = settings.Adaptation.Rank,
                FalseAlarmBudget = settings.Anomaly.FalseAlarmBudget,
                MinFaultRecall = settings.Adaptation.MinFaultRecall,
                MaxProbeRecallDrop = settings.Adaptation.MaxProbeRecallDrop,
                Rehearsal = settings.Adaptation.Rehearsal,
                Training = new AdaptationOptions().Training with
                {
                    Epochs = job.Epochs,
                    LearningRate = (float)settings.Adaptation.LearningRate,
                    BatchSize = settings.Adaptation.BatchSize,
                },
            };
            var progress = new TrainingProgressReporter(_status, watch);
            (AnomalyModel candidate, CandidateReport report) = ModelAdapter.Adapt(current, newNormal, ids, faults, options, _cache, progress, probes: _probes);
            _status.SetActivity(DaemonState.Validating);
            if (RecordHistory) _history.Add(new FinishedJob(job.Id, newNormal, ids, report.FitSeconds, report.Accepted, report.Reason, report.Probes));
            var metrics = new Dictionary<string, double>
            {
                ["falseAlarmsBefore"] = report.FalseAlarmsBefore,
                ["falseAlarmsAfter"] = report.FalseAlarmsAfter,
                ["threshold"] = report.Threshold,
                ["seconds"] = Math.Round(report.Seconds, 3),
                ["fitSeconds"] = Math.Round(report.FitSeconds, 3),
                ["windows"] = windows.Count,
                ["spanSeconds"] = windows.Count == 0 ? 0 : (windows[^1].Ts - windows[0].Ts) / 1000.0,
            };
            if (report.FaultRecallAfter is double recall) metrics["faultRecallAfter"] = recall;
            if (report.ProbeRecallAfter is double probeRecall) metrics["probeRecallAfter"] = probeRecall;
            if (report.ProbeRecallReference is double probeReference) metrics["probeRecallReference"] = probeReference;
            foreach (ProbeKindVerdict kind in report.Probes?.Kinds ?? [])
            {
                metrics[$"probeRecall.{kind.Kind}"] = kind.Candidate;
                metrics[$"probeReference.{kind.Kind}"] = kind.Reference;
            }
            _events.Emit("training_finished", NowMs, new JsonObject
            {
                ["job"] = job.Id, ["seconds"] = Math.Round(watch.Elapsed.TotalSeconds, 3), ["samples"] = windows.Count,
            });
            if (report.Accepted)
            {
                int parent = active.Info.Version;
                bool hold = Mode == AdaptationMode.Confirm;
                ModelVersionRecord record = _registry.AddAdapted(candidate, parent, $"{Why(job)}: {report.Reason}", report.Fitted, metrics, job.Id, activate: !hold);
                var kept = new PendingCandidate(candidate, record, job.Id, parent, report.Reason, Metrics(metrics), job.EpisodeStartS is not null);
                if (hold) HoldPending(kept);
                else Promote(kept);
            }
            else
            {
                Rejected++;
                _events.Emit("model_rejected", NowMs, new JsonObject
                {
                    ["job"] = job.Id, ["reason"] = report.Reason, ["metrics"] = Metrics(metrics),
                    ["retryAfterMinutes"] = settings.Adaptation.MinIntervalMinutes,
                });
                lock (_gate) _driftWaiting = Mode != AdaptationMode.Off;
            }
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

    /// <summary>Confirm mode: the candidate is stored, not active; a newer one replaces it (the older is discarded).</summary>
    void HoldPending(PendingCandidate candidate)
    {
        PendingCandidate? replaced;
        lock (_gate)
        {
            replaced = _pending;
            _pending = candidate;
        }
        if (replaced is not null) EmitDiscarded(replaced, $"replaced by version {candidate.Version}");
        _status.SetCandidate(candidate.Version, candidate.Metrics);
        _events.Emit("model_pending", NowMs, new JsonObject
        {
            ["job"] = candidate.Job, ["version"] = candidate.Version, ["id"] = candidate.Record.Id, ["parentVersion"] = candidate.ParentVersion,
            ["method"] = candidate.Record.Method, ["reason"] = candidate.Reason, ["metrics"] = candidate.Metrics.DeepClone(),
        });
    }

    /// <summary>The `promote` command: activates the pending candidate (null when there is none, or it is not <paramref name="version"/>).</summary>
    public PendingCandidate? PromotePending(int? version)
    {
        PendingCandidate? candidate = TakePending(version);
        if (candidate is null) return null;
        _registry.Activate(candidate.Version);
        Promote(candidate);
        return candidate;
    }

    /// <summary>The `discard` command: drops the pending candidate (its version stays in the registry, inactive).</summary>
    public PendingCandidate? DiscardPending(int? version)
    {
        PendingCandidate? candidate = TakePending(version);
        if (candidate is not null) EmitDiscarded(candidate, "discard command");
        return candidate;
    }

    /// <summary>
    /// A version that did not come from a job here (a pushed base model; tests): already stored in the registry, it
    /// becomes active now and is put on probation like any promotion.
    /// </summary>
    public void PromoteStored(AnomalyModel model, ModelVersionRecord record, string reason)
    {
        _registry.Activate(record.Version);
        Promote(new PendingCandidate(model, record, record.Job, _active.Current.Info.Version, reason,
            new JsonObject(record.Metrics.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, Math.Round(kv.Value, 4)))), FromDriftEpisode: false));
    }

    PendingCandidate? TakePending(int? version)
    {
        PendingCandidate? candidate;
        lock (_gate)
        {
            candidate = _pending;
            if (candidate is null || version is int v && v != candidate.Version) return null;
            _pending = null;
        }
        _status.SetCandidate(null, null);
        return candidate;
    }

    void EmitDiscarded(PendingCandidate candidate, string reason) =>
        _events.Emit("model_discarded", NowMs, new JsonObject { ["job"] = candidate.Job, ["version"] = candidate.Version, ["reason"] = reason });

    /// <summary>Makes a version active (its record already is the registry's active one) and puts it on probation.</summary>
    void Promote(PendingCandidate promoted)
    {
        ModelInUse previous = _active.Current;
        DaemonSettings settings = Settings;
        ModelInUse? current = null;
        Probation? probation = settings.Adaptation.ProbationMinutes > 0
            ? new Probation(previous.Model, settings.Adaptation.ProbationMinutes, settings.Adaptation.ProbationFactor,
                (counts, dataS) => RollBackAfterProbation(previous, current!, counts, dataS))
            : null;
        current = new ModelInUse(promoted.Model, ModelInfo.Of(promoted.Record), probation);
        _active.Activate(current);
        lock (_gate)
        {
            _promotedInEpisode = promoted.FromDriftEpisode;
            _settledWindows = 0;
        }
        Promoted++;
        _events.Emit("model_promoted", NowMs, new JsonObject
        {
            ["job"] = promoted.Job, ["version"] = promoted.Version, ["id"] = promoted.Record.Id, ["parentVersion"] = promoted.ParentVersion,
            ["method"] = promoted.Record.Method, ["reason"] = promoted.Reason, ["metrics"] = promoted.Metrics.DeepClone(),
        });
    }

    /// <summary>
    /// Probation failed (pipeline thread): the previous version becomes active again, the drift episode restarts and no
    /// job starts for Adaptation:MinIntervalMinutes of data time.
    /// </summary>
    void RollBackAfterProbation(ModelInUse previous, ModelInUse promoted, ProbationCounts counts, double dataS)
    {
        if (!ReferenceEquals(_active.Current, promoted)) return; // a rollback or promotion came first
        try { _registry.Activate(previous.Info.Version); }
        catch (KeyNotFoundException) { return; } // the previous version was retired meanwhile: nothing to go back to
        if (!_active.Replace(promoted, previous with { Shadow = null })) return;
        ResetEpisode();
        lock (_gate) _nextAllowedS = Math.Max(_nextAllowedS, dataS + Settings.Adaptation.MinIntervalMinutes * 60);
        RolledBack++;
        int from = promoted.Info.Version, to = previous.Info.Version;
        _events.Emit("model_rolled_back", NowMs, new JsonObject
        {
            ["version"] = to, ["fromVersion"] = from, ["toVersion"] = to, ["id"] = previous.Info.Id,
            ["reason"] = $"probation: flagged {Percent(counts.NewShare)} of windows against {Percent(counts.OldShare)} for v{to}",
            ["metrics"] = new JsonObject
            {
                ["newShare"] = Math.Round(counts.NewShare, 4), ["oldShare"] = Math.Round(counts.OldShare, 4), ["windows"] = counts.Windows,
                ["newFlagged"] = counts.NewFlagged, ["oldFlagged"] = counts.OldFlagged,
            },
            ["retryAfterMinutes"] = Settings.Adaptation.MinIntervalMinutes,
        });
    }

    static string Percent(double share) =>
        (share * 100).ToString(share * 100 >= 10 ? "0" : "0.#", System.Globalization.CultureInfo.InvariantCulture) + " %";

    static JsonObject Metrics(Dictionary<string, double> metrics) =>
        new(metrics.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, Math.Round(kv.Value, 4))));

    sealed class TrainingProgressReporter(DaemonStatus status, Stopwatch watch) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            double fraction = p.Fraction;
            double? eta = fraction > 0 ? watch.Elapsed.TotalSeconds * (1 - fraction) / fraction : null;
            status.SetTraining(new TrainingInfo(fraction, p.Epoch, p.Epochs, eta));
        }
    }
}
