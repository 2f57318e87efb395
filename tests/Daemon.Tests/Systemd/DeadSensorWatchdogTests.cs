using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SensorOdl.Daemon.Host;
using SensorOdl.Daemon.Host.Systemd;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Tests.Fakes;
using Xunit.Abstractions;

namespace SensorOdl.Daemon.Tests.Systemd;

/// <summary>
/// The daemon's sensor loop and watchdog on a fake clock, with an MCP3008 register fake on a fake SPI bus: the unit's
/// WatchdogSec=30, real WATCHDOG=1 datagrams to a fake NOTIFY_SOCKET. SENSORODL_DEAD_SENSOR_MINUTES sets the outage of the
/// first test (5 by default; docs/BENCHMARKS.md records a longer one).
/// </summary>
public sealed class DeadSensorWatchdogTests(ITestOutputHelper output)
{
    static readonly TimeSpan WatchdogSec = TimeSpan.FromSeconds(30);
    static readonly TimeSpan Unplugged = TimeSpan.FromMinutes(1);

    static TimeSpan Outage => TimeSpan.FromMinutes(
        double.TryParse(Environment.GetEnvironmentVariable("SENSORODL_DEAD_SENSOR_MINUTES"), System.Globalization.CultureInfo.InvariantCulture, out double minutes) && minutes > 0 ? minutes : 5);

    [Fact]
    public void A_sensor_unplugged_for_five_minutes_leaves_the_daemon_degraded_and_watched_then_recovers()
    {
        TimeSpan replugged = Unplugged + Outage, end = replugged + TimeSpan.FromMinutes(2);
        using var rig = new Rig(BackoffPolicy.Default);
        DaemonState? duringOutage = null;
        rig.Clock.At(Unplugged, () => rig.Chip.Faults.Fault = BusFault.Absent);
        rig.Clock.At(Unplugged + Outage / 2, () => duringOutage = rig.Status.State);
        rig.Clock.At(replugged, () => rig.Chip.Faults.Heal());

        rig.RunUntil(end);
        output.WriteLine($"dead sensor: {Outage.TotalHours:0.###} h unplugged of {end.TotalHours:0.###} h simulated, {rig.Clock.Pings.Count} pings, longest gap {rig.Clock.LongestGap().TotalSeconds} s (WatchdogSec {WatchdogSec.TotalSeconds} s)");

        Assert.Equal(["sensor_fault", "sensor_recovered"], rig.Events.Events.Select(e => e.Type));
        (_, long faultTs, var fault) = rig.Events.Events[0];
        (_, long recoveredTs, _) = rig.Events.Events[1];
        Assert.InRange(faultTs - rig.StartMs, Unplugged.TotalMilliseconds, Unplugged.TotalMilliseconds + 1000);
        Assert.InRange(recoveredTs - rig.StartMs, replugged.TotalMilliseconds, (replugged + BackoffPolicy.Default.Max + TimeSpan.FromSeconds(2)).TotalMilliseconds);
        Assert.Equal("mcp3008", (string?)fault!["kind"]);
        Assert.Contains("mcp3008", (string?)fault["error"]);
        Assert.Equal(DaemonState.Degraded, duringOutage);
        Assert.Equal(DaemonState.Monitoring, rig.Status.State);
        Assert.True(rig.WindowsAfter(replugged) > 100, "scoring resumed after the sensor came back");

        Assert.True(rig.Clock.LongestGap() < WatchdogSec / 2, $"longest gap between pings {rig.Clock.LongestGap()} (pings at {string.Join(", ", rig.Clock.Pings)})");
        Assert.Equal(rig.Watchdog.PingsSent, rig.Clock.Pings.Count);
        var datagrams = rig.Datagrams();
        Assert.Equal(rig.Clock.Pings.Count, datagrams.Count);
        Assert.All(datagrams, d => Assert.Equal("WATCHDOG=1", d));
    }

    [Fact]
    public void A_back_off_spent_in_one_read_would_starve_the_watchdog()
    {
        // The behaviour before issue 10: a read slept through the whole back-off (up to 30 s) before returning.
        using var rig = new Rig(BackoffPolicy.Default with { WaitSlice = BackoffPolicy.Default.Max });
        rig.Clock.At(Unplugged, () => rig.Chip.Faults.Fault = BusFault.Absent);

        rig.RunUntil(Unplugged + TimeSpan.FromMinutes(3));

        Assert.True(rig.Clock.LongestGap() >= WatchdogSec / 2, $"longest gap {rig.Clock.LongestGap()}");
    }

    [Fact]
    public void A_hung_pipeline_stops_the_pings()
    {
        using var hung = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        bool hangNow = false;
        using var rig = new Rig(BackoffPolicy.Default, onWindow: () =>
        {
            if (!Volatile.Read(ref hangNow)) return;
            Volatile.Write(ref hangNow, false);
            hung.Set();
            release.Wait(); // a deadlocked pipeline, until the test lets go
        });
        rig.Clock.At(TimeSpan.FromMinutes(1), () => Volatile.Write(ref hangNow, true));

        rig.Start();
        Assert.True(hung.Wait(TimeSpan.FromSeconds(30)), "the pipeline did not reach the hang");
        TimeSpan hungSince = rig.Clock.Now;
        rig.Clock.Advance(TimeSpan.FromMinutes(2)); // nothing in the loop waits any more: the test moves time
        int pingsUntilHang = rig.Clock.Pings.Count(p => p <= hungSince + PipelineWatchdog.CheckInterval(WatchdogSec));
        rig.Stop(release.Set);

        Assert.True(pingsUntilHang >= 7, $"{pingsUntilHang} pings in the first minute");
        Assert.Equal(pingsUntilHang, rig.Clock.Pings.Count); // none after the check that still saw the last read
        Assert.True(rig.Clock.LongestGap() > WatchdogSec, "systemd would have restarted the service");
    }

    sealed class Rig : IDisposable
    {
        readonly CancellationTokenSource _stop = new();
        readonly SensorLoop _loop;
        readonly ISensor _sensor;
        readonly List<TimeSpan> _windows = [];
        readonly List<string> _datagrams = [];
        readonly Thread _systemd;
        Thread? _thread;
        Task? _watchdogRun;
        Action? _release;

        public Rig(BackoffPolicy backoff, Action? onWindow = null)
        {
            var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
            StartMs = time.GetUtcNow().ToUnixTimeMilliseconds();
            Clock = new FakeClockDriver(time, PipelineWatchdog.CheckInterval(WatchdogSec));
            Chip.InputVolts[0] = 1.2;
            var settings = new SensorSettings { Kind = SensorKind.Mcp3008, Bus = 0, ChipSelect = 0, SampleRateHz = 100, WindowSize = 64 };
            _sensor = SensorFactory.Create(settings, new FakeBuses(spi: _ => Chip), new DrivenPacer(Clock), backoff);
            Status = new DaemonStatus("pump7", _sensor.Kind, time);
            Status.Started();
            _loop = new SensorLoop(_sensor, _ =>
            {
                lock (_windows) _windows.Add(Clock.Now);
                onWindow?.Invoke();
            }, Events, Status, time, NullLogger.Instance);
            Watchdog = new PipelineWatchdog(new SystemdNotifier(Systemd.Address, WatchdogSec), () => _loop.Iterations, time);
            Clock.Watch(Watchdog);
            // systemd reads its socket all the time; an unread one fills after a few datagrams and blocks the sender
            _systemd = new Thread(() =>
            {
                while (true)
                {
                    if (Systemd.Receive(TimeSpan.FromMilliseconds(50)) is { } datagram)
                        lock (_datagrams) _datagrams.Add(datagram);
                    else if (_stop.IsCancellationRequested)
                        return;
                }
            }) { IsBackground = true, Name = "fake-systemd" };
            _systemd.Start();
        }

        public List<string> Datagrams()
        {
            _systemd.Join(TimeSpan.FromSeconds(10));
            lock (_datagrams) return [.. _datagrams];
        }

        public FakeMcp3008 Chip { get; } = new();
        public FakeClockDriver Clock { get; }
        public FakeNotifySocket Systemd { get; } = FakeNotifySocket.InTempDirectory();
        public EventRecorder Events { get; } = new();
        public DaemonStatus Status { get; }
        public PipelineWatchdog Watchdog { get; }
        public long StartMs { get; }

        public int WindowsAfter(TimeSpan t)
        {
            lock (_windows) return _windows.Count(w => w >= t);
        }

        public void Start()
        {
            _watchdogRun = Watchdog.RunAsync(_stop.Token); // its timer starts now, at fake time 0
            _thread = new Thread(() => _loop.Run(_stop.Token)) { IsBackground = true, Name = "test-sensor-loop" };
            _thread.Start();
        }

        /// <summary>Runs the loop until the fake clock reaches <paramref name="end"/> (the loop's own waits move it).</summary>
        public void RunUntil(TimeSpan end)
        {
            Clock.At(end, _stop.Cancel);
            Start();
            Assert.True(_thread!.Join(TimeSpan.FromSeconds(60) + end / 60), "the sensor loop did not reach the end of the scenario");
            Stop();
        }

        public void Stop(Action? release = null)
        {
            _release = release;
            _stop.Cancel();
            _release?.Invoke();
            _thread?.Join(TimeSpan.FromSeconds(10));
            _watchdogRun?.Wait(TimeSpan.FromSeconds(10));
        }

        public void Dispose()
        {
            Stop(_release);
            _systemd.Join(TimeSpan.FromSeconds(10));
            _sensor.Dispose();
            Systemd.Dispose();
            _stop.Dispose();
        }
    }
}
