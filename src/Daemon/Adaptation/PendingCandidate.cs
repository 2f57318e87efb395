using System.Text.Json.Nodes;
using SensorOdl.Daemon.Storage;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Adaptation;

/// <summary>
/// Confirm mode: a candidate that passed validation, stored as a registry version but not active, waiting for the
/// `promote` or `discard` command. Held in memory only: after a restart it is no longer pending (its version stays in
/// the registry and `rollback {version}` can still activate it).
/// </summary>
public sealed record PendingCandidate(AnomalyModel Model, ModelVersionRecord Record, string? Job, int ParentVersion, string Reason,
    JsonObject Metrics, bool FromDriftEpisode)
{
    public int Version => Record.Version;
}
