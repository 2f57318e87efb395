using System.Text.Json.Nodes;
using MQTTnet.Protocol;
using SensorOdl.Integration.Tests.Infrastructure;
using static SensorOdl.Integration.Tests.Infrastructure.JsonAssert;

namespace SensorOdl.Integration.Tests;

/// <summary>CONTRACT §3 telemetry: QoS 0, not retained, `{ts, score, threshold, anomaly}`, at most one per interval.</summary>
public sealed class TelemetryTests : DaemonTest
{
    [Fact]
    public async Task Telemetry_has_the_contract_shape_and_at_most_one_message_per_interval()
    {
        string device = NewDevice("telemetry");
        // Sensor:Speed=0: the simulated machine scores as fast as it can (hundreds of windows/s), so only the
        // interval limits the rate.
        (_, MqttProbe probe) = await StartMonitoringAsync(device, NewStateDir(device), "Sensor:Speed=0", "Mqtt:TelemetryIntervalSeconds=1");
        string topic = Topic(device, "telemetry");
        await probe.WaitForCountAsync(m => m.Topic == topic, 5, TimeSpan.FromSeconds(10), "5 telemetry messages");
        await Task.Delay(TimeSpan.FromSeconds(1));

        // Judged on the daemon's own clock (`ts` of the scored window, which at Speed=0 is the moment of sending):
        // arrival times at the probe carry the broker's and the scheduler's jitter.
        List<long> ts = [.. probe.On(topic).Select(m => (long)Num(m.Json, "ts"))];
        for (int i = 1; i < ts.Count; i++)
            Check(ts[i] - ts[i - 1] >= 950, $"telemetry {i} (ts {ts[i]}) came {ts[i] - ts[i - 1]} ms after the previous one (interval 1 s); all ts: {string.Join(",", ts)}");
        long start = ts[0];
        int inThreeSeconds = ts.Count(t => t >= start && t < start + 3000);
        Check(inThreeSeconds is >= 2 and <= 3, $"{inThreeSeconds} telemetry messages in 3 s with TelemetryIntervalSeconds=1 (expected 2 to 3): {string.Join(",", ts)}");
        List<Received> all = [.. probe.On(topic)];
        foreach (Received m in all)
        {
            Assert.False(m.Retain, "telemetry is not retained");
            Assert.Equal(MqttQualityOfServiceLevel.AtMostOnce, m.Qos);
            JsonObject t = m.Json;
            AssertUnixMs(Num(t, "ts"), "telemetry.ts");
            Num(t, "score");
            Assert.True(Num(t, "threshold") > 0);
            Bool(t, "anomaly");
            Assert.Equal(4, t.Count);
        }
        // Telemetry is not queued and not retained: a late subscriber gets nothing old.
        MqttProbe late = await ProbeAsync(topic);
        await Task.Delay(300);
        Assert.DoesNotContain(late.All(), m => m.Retain);
    }

    [Fact]
    public async Task Status_is_republished_at_least_every_10_seconds_without_state_changes()
    {
        string device = NewDevice("heartbeat");
        (_, MqttProbe probe) = await StartMonitoringAsync(device, NewStateDir(device));
        string topic = Topic(device, "status");
        // From the first `monitoring` status on, nothing changes: the next one is the periodic one.
        int from = probe.All().ToList().FindIndex(m => m.Topic == topic && m.Json["state"]?.GetValue<string>() == "monitoring");
        IReadOnlyList<Received> statuses = await probe.WaitForCountAsync(m => m.Topic == topic, 2, TimeSpan.FromSeconds(15), "a periodic status after the first 'monitoring'", from);
        Check((statuses[1].At - statuses[0].At).TotalSeconds <= 11, $"status came {(statuses[1].At - statuses[0].At).TotalSeconds:F1} s apart (at least every 10 s expected)");
        Assert.All(statuses, s => Assert.True(s.Retain || s.Topic == topic));
        Assert.Equal("monitoring", Str(statuses[1].Json, "state"));
        Assert.True(Num(statuses[1].Json, "uptimeSeconds") > Num(statuses[0].Json, "uptimeSeconds"));
        Assert.True(Num(statuses[1].Json, "ts") > Num(statuses[0].Json, "ts"));
    }
}
