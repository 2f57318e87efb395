using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Adaptation;

/// <summary>
/// What the adaptation loop must not forget across a restart (a power cut, an upgrade, the watchdog): the drift episode a
/// later job refits, the rate limit, a refine that came due (or whose job was collecting), the false-alarm watch that may
/// call one, the probation of the version in use, a pending candidate's episode, a version left short of its room
/// (status `attention` `probe_short`) and one found not covering its new normal. Data times are the sample store's
/// (absolute) seconds; the spans a watch and a probation have run are kept as data seconds they have scored, so a device
/// that was off for hours resumes them where they stood instead of finding them over.
/// </summary>
public sealed record AdaptationLoopState
{
    /// <summary>The version in use when it was written: another one at start means the model was changed offline, and only the rate limit carries over.</summary>
    public int Version { get; init; }
    public double? EpisodeStartS { get; init; }
    /// <summary>The episode ends once the version in use has run <see cref="SettleTarget"/> windows without drift (counted again after a restart).</summary>
    public bool Settling { get; init; }
    public int SettleTarget { get; init; }
    /// <summary>No job starts before this data time (the rate limit, a back-off); null: any time.</summary>
    public double? NextAllowedS { get; init; }
    public StoredRefine? Refine { get; init; }
    public StoredWatch? Watch { get; init; }
    public StoredProbation? Probation { get; init; }
    /// <summary>Confirm mode: what the registry's pending pointer does not keep of the candidate waiting for `promote`.</summary>
    public StoredPending? Pending { get; init; }
    /// <summary>A version in use left short of its room on a probe kind (status `attention` `probe_short`), and why nothing mended it.</summary>
    public StoredShortfall? Unmended { get; init; }
    /// <summary>The version the loop found not covering its new normal (its watch fired, or drift came while it was watched): a refit of it may waive the probe guard.</summary>
    public int? Uncovered { get; init; }

    /// <summary>The state without the counters that move with every window: what makes a save worth a sync.</summary>
    public AdaptationLoopState Shape() => this with
    {
        Refine = Refine is { } r ? r with { Waited = 0 } : null,
        Watch = Watch is { } w ? w with { ElapsedS = 0, Windows = 0, Flagged = 0 } : null,
        Probation = Probation is { } p ? p with { ElapsedS = 0, Windows = 0, NewFlagged = 0, OldFlagged = 0 } : null,
    };
}

/// <summary>A refine of <see cref="Version"/>'s episode that came due (<see cref="DueRefine"/>), <see cref="Waited"/> windows into its settle wait.</summary>
public sealed record StoredRefine(double EpisodeStartS, int Version, string Reason, int Waited)
{
    /// <summary>The probe kind a probe refine is for, with the version's verdict on it; null for the watch's refine.</summary>
    public ProbeKindVerdict? ShortOfRoom { get; init; }
    /// <summary>Its refit is judged as a recalibration (<see cref="DueRefine.Recalibrates"/>).</summary>
    public bool Recalibrates { get; init; }
}

/// <summary>The pending candidate's drift episode and probe verdicts (<see cref="PendingCandidate"/>), so that a `promote` after a restart arms its watch and refine.</summary>
public sealed record StoredPending(int Version, double? EpisodeStartS)
{
    public string? Blindness { get; init; }
    public ProbeKindVerdict? ShortOfRoom { get; init; }
    public int? FewHeldOut { get; init; }
}

/// <summary>Version <see cref="Version"/> passed <see cref="ShortOfRoom"/>'s probe kind only by the unadapted cap, and <see cref="Why"/> it stays so.</summary>
public sealed record StoredShortfall(int Version, ProbeKindVerdict ShortOfRoom, string Why);

/// <summary>The false-alarm watch of <see cref="Version"/> (<see cref="RefineWatch"/>) after <see cref="ElapsedS"/> data seconds of its windows.</summary>
public sealed record StoredWatch(double EpisodeStartS, int Version, double ElapsedS, long Windows, long Flagged);

/// <summary>
/// The probation of <see cref="Version"/> against <see cref="PreviousVersion"/> (<see cref="Adaptation.Probation"/>) after
/// <see cref="ElapsedS"/> data seconds; the counts are the windows since the promotion (the validation's come from the
/// version's record); <see cref="EpisodeStartS"/> is the episode a rollback reopens.
/// </summary>
public sealed record StoredProbation(int Version, int PreviousVersion, double? EpisodeStartS, double ElapsedS, long Windows, long NewFlagged, long OldFlagged);
