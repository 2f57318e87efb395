using System.Text.Json.Nodes;

namespace SensorOdl.Daemon.Fleet.Rollouts;

/// <summary>
/// One device's figures over an observation window: its active model version, the share of the telemetry windows it
/// flagged (`anomaly` true) of the <see cref="Windows"/> it sent, and its newest drift statistic.
/// </summary>
public sealed record DeviceFigures(int? Version, double? AnomalyRate, int Windows, double? Drift)
{
    /// <summary>Fewer telemetry windows than this and the anomaly rate is not judged.</summary>
    public const int MinWindows = 3;

    public JsonObject ToJson() => new()
    {
        ["version"] = Version,
        ["anomalyRate"] = AnomalyRate is double r ? Math.Round(r, 4) : null,
        ["windows"] = Windows,
        ["drift"] = Drift is double d ? Math.Round(d, 5) : null,
    };

    public static DeviceFigures FromJson(JsonObject? json) => new(
        DeviceView.Int(json, "version"), DeviceView.Num(json, "anomalyRate"), DeviceView.Int(json, "windows") ?? 0, DeviceView.Num(json, "drift"));
}
