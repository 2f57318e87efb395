using System.Text.Json.Nodes;
using SensorOdl.Integration.Tests.Infrastructure;
using Xunit.Abstractions;
using static SensorOdl.Integration.Tests.Infrastructure.JsonAssert;

namespace SensorOdl.Integration.Tests;

/// <summary>
/// docs/RELIABILITY.md §5 and CONTRACT.md §3: "Retained topics are re-published with their latest value on every
/// (re)connect, and discovery too" — against a broker that forgets everything when it restarts (persistence off),
/// after an outage long enough for the reconnect back-off to reach its cap: availability, status, model and discovery
/// are back within 5 s of the broker listening again.
/// </summary>
public sealed class BrokerRestartTests(ITestOutputHelper output) : DaemonTest
{
    /// <summary>The time the retained state may take to come back, counted from the broker's restart.</summary>
    static readonly TimeSpan Promise = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task After_a_broker_restart_that_lost_everything_the_retained_state_is_back_within_5_s_and_commands_work()
    {
        string device = NewDevice("restart");
        string node = device.Replace('-', '_');
        (DaemonProcess daemon, MqttProbe probe) = await StartMonitoringAsync(device, NewStateDir(device));
        // Change something retained first, so that "latest value" is visible: paused.
        JsonObject paused = (await probe.RequestAsync(Topic(device, "cmd"), Command("rc-pause", "pause"))).Json;
        Assert.True(Bool(paused, "ok"), paused.ToJsonString());

        // The outage lasts until the daemon has failed 8 reconnects: its back-off (250 ms doubling) is then at its cap,
        // the worst moment for the broker to come back. (With the former 30 s cap the next wait would be up to 30 s:
        // measured 5.01 s after 7 failures, so this fails for it most of the time.)
        int retriesBefore = OutputLines(daemon, RetryLogLine);
        await Broker.StopAsync(); // persistence false: retained messages and sessions are gone
        long stoppedAt = NowMs;
        await EventuallyAsync(() => OutputLines(daemon, RetryLogLine) >= retriesBefore + 8 && NowMs - stoppedAt >= BrokerOutage.ExtraMs, BrokerOutage.ExtraMs / 1000.0 + 60,
            "8 failed reconnects while the broker is away");
        DateTime restarted = DateTime.UtcNow;
        await Broker.StartAsync();

        // A fresh subscriber sees each of them arrive, live or retained (whichever comes first: it may subscribe before
        // or after the daemon is back). The broker kept nothing, so everything it sees was published after the restart.
        string deviceConfig = $"homeassistant/device/{Prefix}_{device}/config";
        MqttProbe fresh = await ProbeAsync($"{Prefix}/{device}/#", $"homeassistant/+/{node}/+/config", deviceConfig);
        Received availability = await fresh.WaitForAsync(m => m.Topic == Topic(device, "availability"), TimeSpan.FromSeconds(30), "availability after the broker restart");
        Assert.Equal("online", availability.Text);
        Received status = await fresh.WaitForAsync(m => m.Topic == Topic(device, "status"), TimeSpan.FromSeconds(10), "status after the broker restart");
        Assert.Equal("paused", Str(status.Json, "state"));
        Received model = await fresh.WaitForAsync(m => m.Topic == Topic(device, "model"), TimeSpan.FromSeconds(10), "model after the broker restart");
        Assert.Equal(1, Int(model.Json, "version"));
        await EventuallyAsync(() => DiscoveryTopics(fresh).ContainsKey(deviceConfig), 10, "the discovery config after the broker restart");
        DateTime lastArrived = new[] { availability.At, status.At, model.At }.Concat(DiscoveryTopics(fresh).Values).Max();
        TimeSpan took = lastArrived - restarted;
        output.WriteLine($"broker away {restarted - DateTimeOffset.FromUnixTimeMilliseconds(stoppedAt).UtcDateTime:mm\\:ss\\.f}; " +
            $"availability, status, model and the discovery config back {took.TotalSeconds:F2} s after the broker restarted");
        Check(took <= Promise, $"the retained state took {took.TotalSeconds:F2} s after the broker restarted to come back (promise: {Promise.TotalSeconds} s)");

        // …and a later subscriber finds all of it retained.
        MqttProbe late = await ProbeAsync();
        await late.SubscribeAsync($"{Prefix}/{device}/#", $"homeassistant/+/{node}/+/config", deviceConfig);
        Assert.Equal("online", (await late.WaitForAsync(m => m.Topic == Topic(device, "availability") && m.Retain, TimeSpan.FromSeconds(10), "retained availability")).Text);
        Assert.Equal("paused", Str((await late.WaitForAsync(m => m.Topic == Topic(device, "status") && m.Retain, TimeSpan.FromSeconds(10), "retained status")).Json, "state"));
        Assert.Equal(1, Int((await late.WaitForAsync(m => m.Topic == Topic(device, "model") && m.Retain, TimeSpan.FromSeconds(10), "retained model")).Json, "version"));
        await late.WaitForAsync(m => m.Topic == deviceConfig && m.Retain && m.Payload.Length > 0, TimeSpan.FromSeconds(10), "the retained discovery config");

        // Subscriptions are back too: commands are answered.
        JsonObject resume = (await late.RequestAsync(Topic(device, "cmd"), Command("rc-resume", "resume"))).Json;
        Assert.True(Bool(resume, "ok"), resume.ToJsonString());
        Assert.Equal("monitoring", Str(Obj(resume, "result"), "state"));
        Assert.False(daemon.HasExited, daemon.Describe());
    }

    /// <summary>Each discovery config topic the probe received (a config, not a hand-over marker or a clearing), with when it first arrived.</summary>
    static Dictionary<string, DateTime> DiscoveryTopics(MqttProbe probe) =>
        probe.All().Where(m => m.Topic.StartsWith("homeassistant/") && m.Payload.Length > 0 && m.Text != "{\"migrate_discovery\":true}").GroupBy(m => m.Topic).ToDictionary(g => g.Key, g => g.Min(m => m.At));
}

/// <summary>Outage length for the broker tests beyond what they need: SENSORODL_IT_OUTAGE_SECONDS (e.g. 60 for the issue's 60 s run; 0 in CI).</summary>
static class BrokerOutage
{
    public static long ExtraMs => long.TryParse(Environment.GetEnvironmentVariable("SENSORODL_IT_OUTAGE_SECONDS"), out long s) ? s * 1000 : 0;
}
