using System.Text.Json.Nodes;
using SensorOdl.Integration.Tests.Infrastructure;

namespace SensorOdl.Integration.Tests;

/// <summary>docs/CONTRACT.md §2 Sensor:Ambient: the slow side channel reports in status, and a missing one never stops scoring.</summary>
public sealed class AmbientTests : DaemonTest
{
    [Fact]
    public async Task A_configured_ambient_sensor_that_is_absent_shows_its_error_in_status_while_scoring_goes_on()
    {
        string device = NewDevice("ambient");
        (_, MqttProbe probe) = await StartMonitoringAsync(device, NewStateDir(device),
            "Sensor:Ambient:Kind=bme280", "Sensor:Ambient:Bus=97", "Sensor:Ambient:IntervalSeconds=1");
        int mark = probe.Mark;
        Received status = await probe.WaitForAsync(m => m.Topic == Topic(device, "status") && m.Json["ambient"] is JsonObject,
            TimeSpan.FromSeconds(15), "status with an ambient block", mark);
        JsonObject ambient = (JsonObject)status.Json["ambient"]!;
        Check(ambient["error"] is JsonValue, $"the absent BME280 is reported: {ambient.ToJsonString()}");
        Check(status.Json["state"]?.GetValue<string>() == "monitoring", "the main sensor keeps the daemon monitoring");
        await probe.WaitForCountAsync(m => m.Topic == Topic(device, "telemetry"), 2, TimeSpan.FromSeconds(10), "telemetry keeps flowing", mark);
    }
}
