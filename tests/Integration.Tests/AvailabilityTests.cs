using SensorOdl.Integration.Tests.Infrastructure;

namespace SensorOdl.Integration.Tests;

/// <summary>docs/CONTRACT.md §3 availability: `online` while running; `offline` as the will (no delay) and on a clean stop.</summary>
public sealed class AvailabilityTests : DaemonTest
{
    [MosquittoFact]
    public async Task A_killed_daemon_leaves_offline_through_its_will()
    {
        string device = NewDevice("will");
        string availability = Topic(device, "availability");
        (DaemonProcess daemon, MqttProbe probe) = await StartMonitoringAsync(device, NewStateDir(device));
        Assert.Equal("online", probe.On(availability).Last().Text);

        int mark = probe.Mark;
        DateTime killed = DateTime.UtcNow;
        await daemon.KillAsync(); // SIGKILL: no DISCONNECT, the broker publishes the will
        Received offline = await probe.WaitForAsync(m => m.Topic == availability && m.Text == "offline", TimeSpan.FromSeconds(10), "the will 'offline'", mark);
        Check((offline.At - killed).TotalSeconds < 5, $"the will came {(offline.At - killed).TotalSeconds:F1} s after the kill (no will delay expected)");

        MqttProbe late = await ProbeAsync(availability);
        Received retained = await late.WaitForAsync(m => m.Topic == availability, TimeSpan.FromSeconds(5), "retained availability");
        Assert.True(retained.Retain);
        Assert.Equal("offline", retained.Text);
    }

    [Fact]
    public async Task SIGTERM_publishes_offline_and_exits_0()
    {
        string device = NewDevice("sigterm");
        string availability = Topic(device, "availability");
        (DaemonProcess daemon, MqttProbe probe) = await StartMonitoringAsync(device, NewStateDir(device));

        int mark = probe.Mark;
        daemon.Terminate();
        int? exit = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Check(exit is not null, "the daemon did not exit within 30 s of SIGTERM");
        Check(exit == 0, $"exit code {exit} after SIGTERM (0 expected)");
        await probe.WaitForAsync(m => m.Topic == availability && m.Text == "offline", TimeSpan.FromSeconds(5), "'offline' after SIGTERM", mark);

        MqttProbe late = await ProbeAsync(availability);
        Received retained = await late.WaitForAsync(m => m.Topic == availability, TimeSpan.FromSeconds(5), "retained availability");
        Assert.True(retained.Retain);
        Assert.Equal("offline", retained.Text);
    }

    [Fact]
    public async Task SIGTERM_without_a_broker_still_exits_0_promptly()
    {
        string device = NewDevice("sigterm-nobroker");
        (DaemonProcess daemon, MqttProbe _) = await StartMonitoringAsync(device, NewStateDir(device));
        int retries = OutputLines(daemon, RetryLogLine);
        await Broker.StopAsync();
        // The daemon noticed and is in its reconnect back-off now.
        await EventuallyAsync(() => OutputLines(daemon, RetryLogLine) > retries, 20, "a failed reconnect attempt logged after the broker stopped");
        daemon.Terminate();
        int? exit = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(25));
        Check(exit is not null, "the daemon did not exit within 25 s of SIGTERM while the broker was away");
        Check(exit == 0, $"exit code {exit} after SIGTERM without a broker (0 expected)");
    }
}
