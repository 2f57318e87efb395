using System.Text.Json.Nodes;
using MQTTnet.Protocol;
using SensorOdl.Integration.Tests.Infrastructure;
using static SensorOdl.Integration.Tests.Infrastructure.JsonAssert;

namespace SensorOdl.Integration.Tests;

/// <summary>docs/CONTRACT.md §3 telemetry: QoS 0, not retained, `{ts, score, threshold, anomaly}`, at most one per interval.</summary>
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
        await probe.WaitForCountAsync(m => m.Topic == topic, 5, TimeSpan.FromSeconds(20), "5 telemetry messages");

        // Judged on the daemon's own clock (`ts` of the scored window, which at Speed=0 is the moment of sending):
        // arrival times at the probe carry the broker's and the scheduler's jitter.
        CheckTelemetryIntervals(TelemetryTs(probe, device), 1, "TelemetryIntervalSeconds=1 at Sensor:Speed=0");
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
        // Telemetry is not queued and not retained: a late subscriber gets nothing old. A retained message would be
        // delivered on subscribing, before any live one, so the first live message closes the observation.
        long subscribed = NowMs;
        MqttProbe late = await ProbeAsync(topic);
        await late.WaitForAsync(m => m.Topic == topic && !m.Retain, TimeSpan.FromSeconds(10), "live telemetry at the late subscriber");
        Assert.DoesNotContain(late.All(), m => m.Retain);
        Assert.All(late.All(), m => Assert.True(Num(m.Json, "ts") >= subscribed - 1000, $"the late subscriber got old telemetry: {m}"));
    }

    [Fact]
    public async Task Status_is_republished_at_least_every_10_seconds_without_state_changes()
    {
        string device = NewDevice("heartbeat");
        (_, MqttProbe probe) = await StartMonitoringAsync(device, NewStateDir(device));
        string topic = Topic(device, "status");
        // From the first `monitoring` status on, nothing changes: the next one is the periodic one.
        int from = probe.All().ToList().FindIndex(m => m.Topic == topic && m.Json["state"]?.GetValue<string>() == "monitoring");
        IReadOnlyList<Received> statuses = await probe.WaitForCountAsync(m => m.Topic == topic, 2, TimeSpan.FromSeconds(25), "a periodic status after the first 'monitoring'", from);
        // On the daemon's clock (status ts), not on arrival at the probe: at most 10 s apart, with 1 s of slack.
        long gap = (long)(Num(statuses[1].Json, "ts") - Num(statuses[0].Json, "ts"));
        Check(gap <= 11_000, $"status ts came {gap} ms apart (at least every 10 s expected)");
        Assert.Equal("monitoring", Str(statuses[1].Json, "state"));
        // The periodic status is the retained one: a new subscriber gets it (or a later periodic one), in the same state.
        MqttProbe late = await ProbeAsync(topic);
        Received retained = await late.WaitForAsync(m => m.Topic == topic, TimeSpan.FromSeconds(10), "retained status");
        Assert.True(retained.Retain, retained.ToString());
        Assert.True(Num(retained.Json, "ts") >= Num(statuses[1].Json, "ts"), $"the retained status is older than the periodic one: {retained}");
        Assert.Equal("monitoring", Str(retained.Json, "state"));
        Assert.True(Num(statuses[1].Json, "uptimeSeconds") > Num(statuses[0].Json, "uptimeSeconds"));
        Assert.True(Num(statuses[1].Json, "ts") > Num(statuses[0].Json, "ts"));
    }
}
