using System.Text.Json.Nodes;
using SensorOdl.Integration.Tests.Infrastructure;
using static SensorOdl.Integration.Tests.Infrastructure.JsonAssert;

namespace SensorOdl.Integration.Tests;

/// <summary>
/// docs/CONTRACT.md §3: "Retained topics are re-published with their latest value on every (re)connect, and discovery
/// too" — checked against a broker that forgets everything when it restarts (persistence off).
/// </summary>
public sealed class ReconnectTests : DaemonTest
{
    [Fact]
    public async Task After_a_broker_restart_that_lost_everything_the_retained_topics_and_discovery_come_back_and_commands_work()
    {
        string device = NewDevice("reconnect");
        string node = device.Replace('-', '_');
        (DaemonProcess daemon, MqttProbe probe) = await StartMonitoringAsync(device, NewStateDir(device));
        // Change something retained first, so that "latest value" is visible: paused.
        JsonObject paused = (await probe.RequestAsync(Topic(device, "cmd"), Command("rc-pause", "pause"))).Json;
        Assert.True(Bool(paused, "ok"), paused.ToJsonString());

        await Broker.RestartAsync(); // persistence false: retained messages and sessions are gone
        // The daemon reconnects (jittered back-off from 250 ms) and re-publishes; a first probe sees that happen…
        MqttProbe watcher = await ProbeAsync($"{Prefix}/{device}/model");
        await watcher.WaitForAsync(m => m.Topic == Topic(device, "model"), TimeSpan.FromSeconds(30), "the model re-published after the broker restart");
        // …and a later one must find everything retained again.
        MqttProbe late = await ProbeAsync();
        await late.SubscribeAsync($"{Prefix}/{device}/#", $"homeassistant/+/{node}/+/config");
        Received availability = await late.WaitForAsync(m => m.Topic == Topic(device, "availability") && m.Retain, TimeSpan.FromSeconds(10), "retained availability after the broker restart");
        Assert.Equal("online", availability.Text);
        Received status = await late.WaitForAsync(m => m.Topic == Topic(device, "status") && m.Retain, TimeSpan.FromSeconds(10), "retained status after the broker restart");
        Assert.Equal("paused", Str(status.Json, "state"));
        Received model = await late.WaitForAsync(m => m.Topic == Topic(device, "model") && m.Retain, TimeSpan.FromSeconds(10), "retained model after the broker restart");
        Assert.Equal(1, Int(model.Json, "version"));
        await late.WaitForCountAsync(m => m.Topic.StartsWith("homeassistant/") && m.Retain, 5, TimeSpan.FromSeconds(10), "5 retained discovery configs after the broker restart");

        // Subscriptions are back too: commands are answered.
        JsonObject resume = (await late.RequestAsync(Topic(device, "cmd"), Command("rc-resume", "resume"))).Json;
        Assert.True(Bool(resume, "ok"), resume.ToJsonString());
        Assert.Equal("monitoring", Str(Obj(resume, "result"), "state"));
        Assert.False(daemon.HasExited, daemon.Describe());
    }
}
