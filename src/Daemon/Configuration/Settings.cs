using SensorOdl.Drivers.Sensors;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Configuration;

// The configuration sections of docs/CONTRACT.md §2, bound from appsettings.json, /etc/sensorodl/sensorodl.json,
// --config FILE, SENSORODL_Section__Key variables and --Section:Key=value, later sources winning.

public sealed record DeviceSettings
{
    public string Id { get; init; } = "";
}

public sealed record MqttSettings
{
    public string Uri { get; init; } = "";
    public string? Username { get; init; }
    public string? PasswordFile { get; init; }
    public string? CaFile { get; init; }
    public string? ClientCertFile { get; init; }
    public string? ClientKeyFile { get; init; }
    public string TopicPrefix { get; init; } = "sensorodl";
    public double TelemetryIntervalSeconds { get; init; } = 1;
    /// <summary>Outbound queue bound (events and replies held while the broker is away).</summary>
    public int QueueLimit { get; init; } = 10_000;
    /// <summary>Inbound commands admitted per second on average (a token bucket); the rest are counted in `commands_throttled`.</summary>
    public double CommandRatePerSecond { get; init; } = 20;
    /// <summary>Commands admitted at once after a quiet spell (the bucket's size).</summary>
    public int CommandBurst { get; init; } = 40;
    /// <summary>Bytes that commands waiting to be handled may hold (a payload over 64 KiB holds its first 64 KiB).</summary>
    public long CommandBacklogBytes { get; init; } = 1024 * 1024;
}

public sealed record ModelSection
{
    public string? Path { get; init; }
    /// <summary>The largest base model file the `deploy` command accepts (and the disk a transfer in progress may take).</summary>
    public long MaxDeployBytes { get; init; } = 16 * 1024 * 1024;
}

public sealed record AnomalySettings
{
    public double FalseAlarmBudget { get; init; } = 0.01;
    public int RaiseAfter { get; init; } = 3;
    public int Window { get; init; } = 5;
    public int ClearAfter { get; init; } = 5;
    /// <summary>The data time over which status `attention` weighs the share of flagged windows (<c>over_budget</c>).</summary>
    public double AttentionMinutes { get; init; } = 10;
    /// <summary>The share of an autoencoder's squared reconstruction errors the score of a base trained here averages, the largest ones.</summary>
    public double ScoreShare { get; init; } = Learning.Anomaly.ReconstructionScore.DefaultShare;
    /// <summary>
    /// The hidden layer widths of an autoencoder base trained here (e.g. 128, 64, 128); unset derives them from the number of
    /// features (<see cref="Learning.Anomaly.AnomalyTrainingOptions.HiddenFor"/>). The base file keeps its layers.
    /// </summary>
    public int[]? Hidden { get; init; }
}

public sealed record DriftSection
{
    public int Window { get; init; } = 60;
    public double Level { get; init; } = 0.5;
    public int Persistence { get; init; } = 30;
}

/// <summary>
/// <c>Adaptation:Validation</c>: one of the <see cref="Validation"/> splits, or <see cref="Auto"/> — by the model's input:
/// runs of consecutive windows held out for waveform models, every 4th window for spectra (docs/BENCHMARKS.md, issue 9
/// session 8: on the simulated machine's waveform windows the blocked split met the bar on 56 of 60 pair-runs against 47; on
/// fan spectra it traded false alarms for recall and did worse on both recorded rooms).
/// </summary>
public enum ValidationChoice
{
    Auto,
    Interleaved,
    Later,
    Blocked,
}

/// <summary>What drift does: adapt on its own, adapt and hold the candidate for an operator's promote, or nothing.</summary>
public enum AdaptationMode
{
    Auto,
    Confirm,
    Off,
}

/// <summary>The fitting defaults come from <see cref="AdaptationOptions"/> in Learning: one source for the daemon and the library.</summary>
public sealed record AdaptationSettings
{
    public AdaptationMode Mode { get; init; } = AdaptationMode.Auto;
    public string Method { get; init; } = AdaptationOptions.DefaultMethod;
    public int Rank { get; init; } = AdaptationOptions.DefaultRank;
    public int Epochs { get; init; } = AdaptationOptions.DefaultEpochs;
    public double LearningRate { get; init; } = AdaptationOptions.DefaultLearningRate;
    public int BatchSize { get; init; } = AdaptationOptions.DefaultBatchSize;
    /// <summary>Seeds the adapters' initial weights, the mini-batch order and the rehearsal sample: a job's fit is reproducible for a seed.</summary>
    public int Seed { get; init; } = new AdaptationOptions().Seed;
    public int MinSamples { get; init; } = 120;
    /// <summary>A drift job collects until its windows cover the new normal (<see cref="SensorOdl.Learning.Drift.CollectionCoverage"/>), not just MinSamples.</summary>
    public bool Coverage { get; init; }
    /// <summary>Data minutes a drift job collects for coverage at the most; then it trains on what is there and says so.</summary>
    public double MaxCollectMinutes { get; init; } = 120;
    public double MinIntervalMinutes { get; init; } = 10;
    public double MinFaultRecall { get; init; } = AdaptationOptions.DefaultMinFaultRecall;
    /// <summary>How far a candidate's recall on synthetic fault probes of its new normal may fall below the base's on its own.</summary>
    public double MaxProbeRecallDrop { get; init; } = AdaptationOptions.DefaultMaxProbeRecallDrop;
    /// <summary>Share of a fit set made of the base's reservoir windows (rehearsal of the old normal); 0 = off.</summary>
    public double Rehearsal { get; init; } = AdaptationOptions.DefaultRehearsal;
    /// <summary>
    /// The share of fit windows a spectrum autoencoder's fit also learns to give back from a lifted band of them
    /// (<see cref="BandLifts"/>); 0 = off. Waveform models are fitted without: their features are summaries, not bins in a row.
    /// </summary>
    public double Denoise { get; init; } = AdaptationOptions.DefaultDenoise;
    /// <summary>room: the probe guard's bar is the new room's neighbour share capped by the base's reference; unadapted: also capped by what the network without adapters flags.</summary>
    public ProbeBar ProbeBar { get; init; } = AdaptationOptions.DefaultProbeBar;
    public double ThresholdConfidence { get; init; } = AdaptationOptions.DefaultThresholdConfidence;
    /// <summary>Which windows validate a candidate: interleaved (every 4th), blocked (runs of 8 consecutive windows), later (the latest quarter in data time, at the earlier windows' threshold), or auto (blocked for waveform models, interleaved for spectra).</summary>
    public ValidationChoice Validation { get; init; } = ValidationChoice.Auto;
    /// <summary>Minutes of data time after a promotion during which the previous version scores in the shadow; 0 = no probation.</summary>
    public double ProbationMinutes { get; init; } = 30;
    /// <summary>The new version is rolled back when it flags more than this many times the previous version's share of windows.</summary>
    public double ProbationFactor { get; init; } = 2;
    /// <summary>
    /// Minutes of data time after a drift version's promotion during which its false alarms are watched: over twice the budget,
    /// its episode is refitted (on MinSamples more windows), under half of it recalibrated the same way (session 19); 0 = off.
    /// On since session 10: beside the probe refine, and with the refit's extra windows, it brought ten pairs of three
    /// matrices from 3.0–6.2 % to 1.7–2.0 % false alarms, at −10 to +9 points of recall (docs/BENCHMARKS.md, issue 9 session
    /// 10); session 7 left it off when its refit cost 13–14 points.
    /// </summary>
    public double RefineMinutes { get; init; } = 60;
    /// <summary>A drift version that passed a probe kind only because the network without adapters is as blind in the new room is refitted on its whole episode once the rate limit allows (docs/BENCHMARKS.md, issue 9 session 10).</summary>
    public bool ProbeRefine { get; init; } = true;
    /// <summary>
    /// A drift version whose threshold was read from fewer held-out windows than this is refitted once on its whole episode
    /// (a <em>recalibration</em> refine): a 1 % quantile from ~100 windows rests on ten scores of its tail and is as good as
    /// their luck; 0 = off (docs/BENCHMARKS.md, issue 9 session 19).
    /// </summary>
    public int RecalibrateBelow { get; init; } = 300;
    /// <summary>Waveform models: a candidate the probe guard finds blind is refused (true) or only reported (false; docs/BENCHMARKS.md, issue 9).</summary>
    public bool EnforceWaveformProbes { get; init; }

    /// <summary>
    /// The denoising share a job uses for a model whose input is described by <paramref name="featureConfig"/>: <see cref="Denoise"/>
    /// for spectra, none for waveform features — a band of neighbouring features is a band of frequencies only in a spectrum
    /// (docs/BENCHMARKS.md, issue 9 session 13: on the simulated machine lifts cost inner-race recall and added false alarms).
    /// </summary>
    public double DenoiseFor(string featureConfig) =>
        Drivers.Features.FeatureConfiguration.Parse(featureConfig).Kind == FrameKind.Waveform ? 0 : Denoise;

    /// <summary>The split a job uses for a model whose input is described by <paramref name="featureConfig"/> (<see cref="ValidationChoice.Auto"/> resolved).</summary>
    public Validation ValidationFor(string featureConfig) => Validation switch
    {
        ValidationChoice.Interleaved => Learning.Anomaly.Validation.Interleaved,
        ValidationChoice.Later => Learning.Anomaly.Validation.Later,
        ValidationChoice.Blocked => Learning.Anomaly.Validation.Blocked,
        _ => Drivers.Features.FeatureConfiguration.Parse(featureConfig).Kind == FrameKind.Waveform
            ? Learning.Anomaly.Validation.Blocked : Learning.Anomaly.Validation.Interleaved,
    };
}

public sealed record StorageSettings
{
    public string? StateDir { get; init; }
    public int KeepVersions { get; init; } = 20;
    public int EventRetentionDays { get; init; } = 30;
    /// <summary>Windows kept in the sample store (labelled ones are pinned and not counted).</summary>
    public int SampleCapacity { get; init; } = 2000;
    /// <summary>At most one window per this many seconds of data enters the sample store (SD-card wear).</summary>
    public double SampleIntervalSeconds { get; init; } = 1;
    /// <summary>Windows waiting in memory are written at least this often (besides every 512 windows): the SD card's main writer.</summary>
    public double SampleFlushSeconds { get; init; } = 300;
}

public sealed record SecuritySettings
{
    public string? CommandKeyFile { get; init; }
    /// <summary>With a key set, still take the Home Assistant retrain button's exact payload unsigned (kept; <see cref="AllowUnsignedHomeAssistant"/> covers it).</summary>
    public bool AllowUnsignedButton { get; init; }
    /// <summary>With a key set, still take unsigned the exact payloads Home Assistant discovery publishes: retrain, install (promote), each rollback option.</summary>
    public bool AllowUnsignedHomeAssistant { get; init; }
    /// <summary>Believe the local wall clock from the start (a site without NTP): events are never marked clockSynced: false.</summary>
    public bool TrustLocalClock { get; init; }
    /// <summary>After the command key file changes, commands signed with the previous key are still accepted this long.</summary>
    public double KeyOverlapMinutes { get; init; } = 60;
}

public sealed record HomeAssistantSettings
{
    /// <summary>One discovery config per entity (Home Assistant before 2024.11) instead of one device-based config.</summary>
    public bool PerEntityDiscovery { get; init; }
    /// <summary>The discovery origin's support URL (shown in Home Assistant's logs); none by default.</summary>
    public string? SupportUrl { get; init; }
}

public sealed record LearningSettings
{
    /// <summary>Threads of an adaptation job's base forward passes (a fine-tune's cold epoch 1, the full-retrain baseline); results are identical to the bit for any count.</summary>
    public int Threads { get; init; } = 1;
}

/// <summary>Every section, validated once at start; immutable (a runtime change swaps a new snapshot in <see cref="LiveSettings"/>).</summary>
public sealed record DaemonSettings
{
    public DeviceSettings Device { get; init; } = new();
    public MqttSettings Mqtt { get; init; } = new();
    public SensorSettings Sensor { get; init; } = new();
    public ModelSection Model { get; init; } = new();
    public AnomalySettings Anomaly { get; init; } = new();
    public DriftSection Drift { get; init; } = new();
    public AdaptationSettings Adaptation { get; init; } = new();
    public LearningSettings Learning { get; init; } = new();
    public StorageSettings Storage { get; init; } = new();
    public SecuritySettings Security { get; init; } = new();
    public HomeAssistantSettings HomeAssistant { get; init; } = new();

    public string DeviceId => string.IsNullOrWhiteSpace(Device.Id) ? System.Net.Dns.GetHostName() : Device.Id;

    public string StateDirectory =>
        !string.IsNullOrWhiteSpace(Storage.StateDir) ? Storage.StateDir!
        : Environment.GetEnvironmentVariable("STATE_DIRECTORY") is { Length: > 0 } systemd ? systemd.Split(':')[0]
        : Path.Combine(Environment.CurrentDirectory, "state");
}
