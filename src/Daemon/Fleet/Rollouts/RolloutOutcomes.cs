using System.Text.Json.Nodes;

namespace SensorOdl.Daemon.Fleet.Rollouts;

/// <summary>How a device's outcome in a stage (as `fleet retrain|rollback` reports it) becomes its rollout state.</summary>
public static class RolloutOutcomes
{
    /// <summary>
    /// The device's state, or null when it goes back to the queue for the next stage: refused `busy` (a job already
    /// running) or `rate_limited` before the last stage. In the last stage those count as failed.
    /// </summary>
    public static string? StateOf(DeviceOutcome outcome, bool lastStage)
    {
        if (outcome.Succeeded) return DeviceState.Succeeded; // promoted, pending (confirm mode), rolled back
        if (outcome.Kind == "refused" && RetryCode(outcome) is not null && !lastStage) return null;
        return outcome.Kind switch
        {
            "rejected" => DeviceState.Rejected,
            "timeout" => DeviceState.TimedOut,
            _ => DeviceState.Failed,
        };
    }

    /// <summary>`busy` or `rate_limited` when the device refused for one of those, else null.</summary>
    public static string? RetryCode(DeviceOutcome outcome)
    {
        string? code = DeviceView.Str(outcome.Details["error"] as JsonObject, "code");
        return code is "busy" or "rate_limited" ? code : null;
    }
}
