using SensorOdl.Daemon.Host.Systemd;

namespace SensorOdl.Daemon.Tests.Systemd;

public sealed class SystemdNotifierTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(2);

    [Fact]
    public void Sends_ready_watchdog_status_and_stopping_to_a_socket_path()
    {
        using var systemd = FakeNotifySocket.InTempDirectory();
        var notifier = new SystemdNotifier(systemd.Address);

        Assert.True(notifier.IsEnabled);
        Assert.True(notifier.Ready());
        Assert.True(notifier.Watchdog());
        Assert.True(notifier.Status("scoring\nwindow 12"));
        Assert.True(notifier.Stopping());

        Assert.Equal("READY=1", systemd.Receive(Wait));
        Assert.Equal("WATCHDOG=1", systemd.Receive(Wait));
        Assert.Equal("STATUS=scoring window 12", systemd.Receive(Wait));
        Assert.Equal("STOPPING=1", systemd.Receive(Wait));
    }

    [Fact]
    public void Reaches_an_abstract_namespace_socket()
    {
        using var systemd = FakeNotifySocket.Abstract();
        var notifier = new SystemdNotifier(systemd.Address);

        Assert.True(notifier.Ready());
        Assert.Equal("READY=1", systemd.Receive(Wait));
    }

    [Fact]
    public void Extend_timeout_is_sent_in_microseconds()
    {
        using var systemd = FakeNotifySocket.InTempDirectory();
        new SystemdNotifier(systemd.Address).ExtendTimeout(TimeSpan.FromSeconds(30));

        Assert.Equal("EXTEND_TIMEOUT_USEC=30000000", systemd.Receive(Wait));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("vsock:2:1234")]
    public void Without_a_usable_socket_it_is_disabled_and_silent(string? notifySocket)
    {
        var notifier = new SystemdNotifier(notifySocket, TimeSpan.FromSeconds(30));

        Assert.False(notifier.IsEnabled);
        Assert.Null(notifier.WatchdogInterval);
        Assert.False(notifier.Ready());
        Assert.False(notifier.Watchdog());
    }

    [Fact]
    public void A_vanished_socket_makes_sends_return_false_instead_of_throwing()
    {
        var path = Path.Combine(Path.GetTempPath(), "sodl-missing-" + Guid.NewGuid().ToString("N"));
        var notifier = new SystemdNotifier(path);

        Assert.True(notifier.IsEnabled);
        Assert.False(notifier.Ready());
    }

    [Fact]
    public void Reads_the_environment_once_at_construction()
    {
        using var systemd = FakeNotifySocket.InTempDirectory();
        var variables = new Dictionary<string, string?>
        {
            ["NOTIFY_SOCKET"] = systemd.Address,
            ["WATCHDOG_USEC"] = "30000000",
            ["WATCHDOG_PID"] = "4242",
        };

        var notifier = SystemdNotifier.FromVariables(name => variables.GetValueOrDefault(name), processId: 4242);
        // What Hosting 11 does after the host has started.
        variables.Clear();

        Assert.True(notifier.IsEnabled);
        Assert.Equal(TimeSpan.FromSeconds(30), notifier.WatchdogInterval);
        Assert.True(notifier.Ready());
        Assert.Equal("READY=1", systemd.Receive(Wait));
    }

    [Theory]
    [InlineData("30000000", null, 30.0)]
    [InlineData("30000000", "", 30.0)]
    [InlineData("30000000", "7", 30.0)]
    [InlineData("30000000", "8", null)]
    [InlineData("30000000", "x", null)]
    [InlineData("0", null, null)]
    [InlineData("-5", null, null)]
    [InlineData(null, "7", null)]
    public void Watchdog_interval_honours_usec_and_pid(string? usec, string? pid, double? expectedSeconds)
    {
        var interval = SystemdNotifier.ParseWatchdog(usec, pid, processId: 7);

        Assert.Equal(expectedSeconds, interval?.TotalSeconds);
    }
}
