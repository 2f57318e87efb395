using System.Text.Json.Nodes;
using SensorOdl.Daemon.Storage;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Adaptation;

/// <summary>
/// Confirm mode: a candidate that passed validation, stored as a registry version but not active, waiting for the
/// `promote` or `discard` command. Its version is also the registry's pending pointer, so a restart finds it pending again
/// (<see cref="Promotions"/>).
/// </summary>
public sealed record PendingCandidate(AnomalyModel Model, ModelVersionRecord Record, string? Job, int ParentVersion, string Reason,
    JsonObject Metrics, double? EpisodeStartS)
{
    public int Version => Record.Version;
    /// <summary>A failed probe verdict that was reported, not enforced, or waived, and why (status `attention` once it is in use); null when none failed.</summary>
    public string? Blindness { get; init; }
    /// <summary>A probe kind the candidate passed only by the unadapted network's cap (<see cref="ProbeVerdict.ShortOfRoom"/>); null for none, and for a refine's candidate.</summary>
    public ProbeKindVerdict? ShortOfRoom { get; init; }
    /// <summary>
    /// The held-out windows a first fit's threshold was read from, when fewer than <c>Adaptation:RecalibrateBelow</c> (its
    /// promotion makes a recalibration refine due); null otherwise, and for a refine's candidate.
    /// </summary>
    public int? FewHeldOut { get; init; }
}
