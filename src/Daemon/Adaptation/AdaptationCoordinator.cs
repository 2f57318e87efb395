using System.Diagnostics;
using System.Text.Json.Nodes;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.Caches;
using SensorOdl.Learning.Training;

namespace SensorOdl.Daemon.Adaptation;

/// <summary>Why a retrain request was not started.</summary>
public enum RetrainRefusal
{
    None,
    Busy,
    RateLimited,
}

/// <summary>
/// Collect → fine-tune → validate → promote, in the background. Drift (with Mode=auto) or a retrain command
/// starts a job; the job waits until enough new windows are in the sample store, fits fresh adapters on the
/// frozen base from the forward cache, and promotes the candidate only if it passes validation. Intervals
/// (rate limit, back-off after a rejection) are measured on the data's clock.
/// </summary>
public sealed class AdaptationCoordinator
{
    readonly DaemonSettings _settings;
    readonly ModelRegistry _registry;
    readonly SampleStore _samples;
    readonly IEventSink _events;
    readonly DaemonStatus _status;
    readonly IForwardCacheStore _cache;
    readonly WindowMonitor _monitor;
    readonly object _gate = new();
    Job? _job;
    double _nextAllowedS = double.NegativeInfinity;
    bool _driftWaiting;
    int _jobCounter;
    double? _episodeStartS;

    public AdaptationCoordinator(DaemonSettings settings, ModelRegistry registry, SampleStore samples, IEventSink events,
        DaemonStatus status, IForwardCacheStore cache, WindowMonitor monitor)
    {
        _settings = settings;
        _registry = registry;
        _samples = samples;
        _events = events;
        _status = status;
        _cache = cache;
        _monitor = monitor;
        Mode = settings.Adaptation.Mode;
        monitor.Adaptation = this;
    }

    public string Mode { get; set; }
    public Func<long> WallClockMs { get; init; } = () => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    public int Promoted { get; private set; }
    public int Rejected { get; private set; }
    public double LastAdaptSeconds { get; private set; }
    /// <summary>Run jobs on the calling (pipeline) thread: deterministic replays for evaluation; never in the daemon.</summary>
    public bool RunInline { get; init; }
    /// <summary>The windows the last job adapted on: [n, d] features and their sample ids.</summary>
    public (float[] Features, long[] Ids)? LastWindows { get; private set; }

    /// <summary>
    /// Forgets the current drift episode (after a rollback): the next drift job trains only on windows from then on.
    /// </summary>
    public void ResetEpisode()
    {
        lock (_gate) _episodeStartS = null;
    }

    sealed class Job(string id, string reason, double sinceS, int samplesWanted, string method, int epochs, double? episodeStartS = null)
    {
        /// <summary>Where the windows to train on start: the first drift of the episode, so that every new normal seen since is kept.</summary>
        public double? EpisodeStartS { get; } = episodeStartS;
        public string Id { get; } = id;
        public string Reason { get; } = reason;
        public double SinceS { get; } = sinceS;
        public int SamplesWanted { get; } = samplesWanted;
        public string Method { get; } = method;
        public int Epochs { get; } = epochs;
        public int Collected { get; set; }
        public Task? Task { get; set; }
    }

    /// <summary>Drift was declared at data time <paramref name="dataS"/> (pipeline thread).</summary>
    public void OnDrift(double dataS)
    {
        lock (_gate) _episodeStartS ??= dataS;
        if (Mode != "auto") return;
        lock (_gate) _driftWaiting = true;
        TryStartDriftJob(dataS);
    }

    /// <summary>A window entered the sample store.</summary>
    public void OnSample(double dataS)
    {
        Job? ready = null;
        lock (_gate)
        {
            if (_job is { Task: null } job && dataS >= job.SinceS)
            {
                job.Collected++;
                if (job.Collected >= job.SamplesWanted) ready = job;
            }
        }
        if (ready is not null) StartTraining(ready, dataS);
    }

    /// <summary>Every scored window: a drift that waited for the back-off may start now.</summary>
    public void OnWindow(double dataS, bool driftDetected)
    {
        bool waiting;
        lock (_gate) waiting = _driftWaiting && _job is null && dataS >= _nextAllowedS;
        if (!waiting) return;
        if (!driftDetected || Mode != "auto")
        {
            lock (_gate) _driftWaiting = false;
            return;
        }
        TryStartDriftJob(dataS);
    }

    /// <summary>The retrain command: trains on the newest windows when there are enough, else collects first.</summary>
    public (string? Job, RetrainRefusal Refusal) RequestRetrain(string? method, int? epochs, int? samples, double dataS)
    {
        int wanted = Math.Max(samples ?? _settings.Adaptation.MinSamples, 16);
        (Job? job, RetrainRefusal refusal) = TryClaim("retrain command", dataS, double.NegativeInfinity, wanted, method, epochs, episodeStartS: null);
        if (job is null) return (null, refusal);
        int stored = _samples.CountSinceAsync(long.MinValue).GetAwaiter().GetResult();
        if (stored >= wanted) StartTraining(job, dataS);
        else
        {
            lock (_gate) job.Collected = stored;
            _status.SetActivity(States.Collecting);
        }
        return (job.Id, RetrainRefusal.None);
    }

    void TryStartDriftJob(double dataS)
    {
        double? episode;
        lock (_gate) episode = _episodeStartS;
        (Job? job, _) = TryClaim("drift", dataS, dataS, _settings.Adaptation.MinSamples, null, null, episode);
        if (job is null) return;
        lock (_gate) _driftWaiting = false;
        _status.SetActivity(States.Collecting);
    }

    /// <summary>Checks that no job runs and the rate limit allows one, and creates it, in one step (two threads ask).</summary>
    (Job?, RetrainRefusal) TryClaim(string reason, double dataS, double sinceS, int wanted, string? method, int? epochs, double? episodeStartS)
    {
        lock (_gate)
        {
            if (_job is not null) return (null, RetrainRefusal.Busy);
            if (dataS < _nextAllowedS) return (null, RetrainRefusal.RateLimited);
            _job = new Job($"job-{WallClockMs()}-{++_jobCounter}", reason, sinceS, wanted,
                method ?? _settings.Adaptation.Method, epochs ?? _settings.Adaptation.Epochs, episodeStartS);
            return (_job, RetrainRefusal.None);
        }
    }

    void StartTraining(Job job, double dataS)
    {
        lock (_gate)
        {
            if (job.Task is not null) return;
            _nextAllowedS = dataS + _settings.Adaptation.MinIntervalMinutes * 60;
            if (!RunInline)
            {
                job.Task = Task.Factory.StartNew(() => Run(job), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                return;
            }
            job.Task = Task.CompletedTask;
        }
        Run(job);
    }

    void Run(Job job)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            IReadOnlyList<SampleRecord> windows = job.EpisodeStartS is double episode
                ? _samples.NewestAsync(_settings.Storage.SampleCapacity, (long)Math.Round(episode * 1000)).GetAwaiter().GetResult()
                : _samples.NewestAsync(job.SamplesWanted).GetAwaiter().GetResult();
            _status.SetActivity(States.Training);
            _events.Emit("training_started", WallClockMs(), new JsonObject
            {
                ["job"] = job.Id, ["method"] = job.Method, ["epochs"] = job.Epochs, ["samples"] = windows.Count, ["reason"] = job.Reason,
            });
            AnomalyModel current = _monitor.Model;
            int d = current.InputSize;
            float[] newNormal = [.. windows.SelectMany(w => w.Vector())];
            long[] ids = [.. windows.Select(w => w.Id)];
            LastWindows = (newNormal, ids);
            float[] faults = [.. current.Exemplars, .. _samples.Labelled("fault").SelectMany(w => w.Vector())];
            var options = new AdaptationOptions
            {
                Method = job.Method,
                Rank = _settings.Adaptation.Rank,
                FalseAlarmBudget = _settings.Anomaly.FalseAlarmBudget,
                MinFaultRecall = _settings.Adaptation.MinFaultRecall,
                Training = new AdaptationOptions().Training with
                {
                    Epochs = job.Epochs,
                    LearningRate = (float)_settings.Adaptation.LearningRate,
                    BatchSize = _settings.Adaptation.BatchSize,
                },
            };
            var progress = new TrainingProgressReporter(_status, watch);
            (AnomalyModel candidate, CandidateReport report) = ModelAdapter.Adapt(current, newNormal, ids, faults, options, _cache, progress);
            _status.SetActivity(States.Validating);
            LastAdaptSeconds = report.Seconds;
            var metrics = new Dictionary<string, double>
            {
                ["falseAlarmsBefore"] = report.FalseAlarmsBefore,
                ["falseAlarmsAfter"] = report.FalseAlarmsAfter,
                ["threshold"] = report.Threshold,
                ["seconds"] = Math.Round(report.Seconds, 3),
            };
            if (report.FaultRecallAfter is double recall) metrics["faultRecallAfter"] = recall;
            _events.Emit("training_finished", WallClockMs(), new JsonObject
            {
                ["job"] = job.Id, ["seconds"] = Math.Round(watch.Elapsed.TotalSeconds, 3), ["samples"] = windows.Count,
            });
            if (report.Accepted)
            {
                int parent = _status.Model?.Version ?? 0;
                ModelVersionRecord record = _registry.AddAdapted(candidate, parent, $"{job.Reason}: {report.Reason}", report.Fitted, metrics, job.Id, activate: true);
                _monitor.SwapModel(candidate, new ModelInfo(record.Version, record.Id, record.Method, record.CreatedAt));
                Promoted++;
                _events.Emit("model_promoted", WallClockMs(), new JsonObject
                {
                    ["job"] = job.Id, ["version"] = record.Version, ["id"] = record.Id, ["parentVersion"] = parent,
                    ["method"] = record.Method, ["reason"] = report.Reason, ["metrics"] = Metrics(metrics),
                });
            }
            else
            {
                Rejected++;
                _events.Emit("model_rejected", WallClockMs(), new JsonObject
                {
                    ["job"] = job.Id, ["reason"] = report.Reason, ["metrics"] = Metrics(metrics),
                    ["retryAfterMinutes"] = _settings.Adaptation.MinIntervalMinutes,
                });
                lock (_gate) _driftWaiting = Mode == "auto";
            }
        }
        catch (Exception e)
        {
            _events.Emit("training_failed", WallClockMs(), new JsonObject { ["job"] = job.Id, ["error"] = e.Message });
        }
        finally
        {
            lock (_gate) _job = null;
            _status.SetActivity(States.Monitoring);
        }
    }

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
