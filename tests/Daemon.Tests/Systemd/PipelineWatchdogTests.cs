using SensorOdl.Daemon.Host.Systemd;

namespace SensorOdl.Daemon.Tests.Systemd;

// Real timers with a 100 ms watchdog (a check every 50 ms). The tests wait for a number of checks,
// not for a fixed time, so a loaded machine makes them slower, not flaky.
public sealed class PipelineWatchdogTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task An_advancing_pipeline_pets_the_watchdog()
    {
        using var systemd = FakeNotifySocket.InTempDirectory();
        long windows = 0;
        var watchdog = new PipelineWatchdog(new SystemdNotifier(systemd.Address, Interval), () => Interlocked.Increment(ref windows));

        await using (var run = Running.Start(watchdog))
            await WaitUntil(() => watchdog.PingsSent >= 3);

        var messages = systemd.Drain(Quiet);
        Assert.Equal(watchdog.PingsSent, messages.Count);
        Assert.All(messages, m => Assert.Equal("WATCHDOG=1", m));
        Assert.Equal(0, watchdog.StalledChecks);
    }

    [Fact]
    public async Task A_stalled_pipeline_sends_no_ping()
    {
        using var systemd = FakeNotifySocket.InTempDirectory();
        var watchdog = new PipelineWatchdog(new SystemdNotifier(systemd.Address, Interval), () => 41);

        await using (var run = Running.Start(watchdog))
            await WaitUntil(() => watchdog.StalledChecks >= 5);

        Assert.Empty(systemd.Drain(Quiet));
        Assert.Equal(0, watchdog.PingsSent);
    }

    [Fact]
    public async Task Pings_stop_when_the_pipeline_gets_stuck()
    {
        using var systemd = FakeNotifySocket.InTempDirectory();
        long windows = 0;
        var stuck = 0;
        var watchdog = new PipelineWatchdog(new SystemdNotifier(systemd.Address, Interval),
            () => Volatile.Read(ref stuck) == 1 ? -1 : Interlocked.Increment(ref windows));

        long pingsWhenStuck;
        await using (var run = Running.Start(watchdog))
        {
            await WaitUntil(() => watchdog.PingsSent >= 3);
            Volatile.Write(ref stuck, 1);
            // The first check after the stall still sees a change (to -1); after it, none.
            await WaitUntil(() => watchdog.StalledChecks >= 1);
            pingsWhenStuck = watchdog.PingsSent;
            await WaitUntil(() => watchdog.StalledChecks >= 5);
        }

        Assert.Equal(pingsWhenStuck, watchdog.PingsSent);
        Assert.Equal(pingsWhenStuck, systemd.Drain(Quiet).Count);
    }

    [Fact]
    public async Task A_throwing_counter_counts_as_no_progress()
    {
        using var systemd = FakeNotifySocket.InTempDirectory();
        var watchdog = new PipelineWatchdog(new SystemdNotifier(systemd.Address, Interval),
            () => throw new InvalidOperationException("pipeline gone"));

        await using (var run = Running.Start(watchdog))
            await WaitUntil(() => watchdog.StalledChecks >= 3);

        Assert.Empty(systemd.Drain(Quiet));
    }

    [Fact]
    public async Task Returns_at_once_when_the_unit_has_no_watchdog()
    {
        using var systemd = FakeNotifySocket.InTempDirectory();
        var watchdog = new PipelineWatchdog(new SystemdNotifier(systemd.Address), () => Environment.TickCount64);

        var run = watchdog.RunAsync(CancellationToken.None);

        Assert.True(run.IsCompleted);
        await run;
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the watchdog loop did not get there within 20 s");
            await Task.Delay(10);
        }
    }

    private sealed class Running : IAsyncDisposable
    {
        private readonly CancellationTokenSource _cts = new();
        private readonly Task _task;

        private Running(PipelineWatchdog watchdog) => _task = watchdog.RunAsync(_cts.Token);

        public static Running Start(PipelineWatchdog watchdog) => new(watchdog);

        public async ValueTask DisposeAsync()
        {
            await _cts.CancelAsync();
            await _task;
            _cts.Dispose();
        }
    }
}
