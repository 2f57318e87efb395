using SensorOdl.Integration.Tests.Infrastructure;
using SensorOdl.TestSupport;

namespace SensorOdl.Integration.Tests;

/// <summary>
/// One mosquitto and three real daemons for the `fleet rollout` tests, ids sorting as A, B, C (stages take devices in id
/// order). A runs the default machine with `Anomaly:FalseAlarmBudget=0.45`: a candidate's threshold then sits at the
/// 55th percentile of its held-back windows, so it flags far more of them than the base and validation rejects every
/// retrain — a real rejection, not a fake. B and C run the machine remounted from the first window, so the imported base
/// flags much of what they see and a retrain is promoted. All at 3× speed, every window stored and sent as telemetry,
/// adaptation off, no retrain rate limit, signed commands.
/// </summary>
public sealed class RolloutFixture() : SignedDaemonsFixture("rollout", "rollout-integration-key")
{
    readonly string _tag = Guid.NewGuid().ToString("N")[..6];

    public string A => $"it-ro-{_tag}-a";
    public string B => $"it-ro-{_tag}-b";
    public string C => $"it-ro-{_tag}-c";
    public string All => $"device={A}|{B}|{C}";

    public override async Task InitializeAsync()
    {
        await StartBrokerAsync($"{Prefix}/+/status", $"{Prefix}/+/model", $"{Prefix}/+/events", $"{Prefix}/+/cmd", $"{Prefix}/fleet/rollouts/#");
        StartDaemon(A, "Anomaly:FalseAlarmBudget=0.45", "Mqtt:TelemetryIntervalSeconds=0");
        StartDaemon(B, "Sensor:Simulation:Drift=mounting", "Mqtt:TelemetryIntervalSeconds=0");
        StartDaemon(C, "Sensor:Simulation:Drift=mounting", "Mqtt:TelemetryIntervalSeconds=0");
        await WaitUntilMonitoringAsync(A, B, C);
    }

    /// <summary>`sensorodl fleet …` through the command-line entry point in this process, signed, against this broker.</summary>
    public Task<CliRun> FleetAsync(params string[] arguments) => FleetFixture.RunAsync(["fleet", .. arguments, "--broker", Broker.Uri, "--key-file", KeyFile]);
}
