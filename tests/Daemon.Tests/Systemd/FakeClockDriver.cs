using Microsoft.Extensions.Time.Testing;
using SensorOdl.Daemon.Host.Systemd;
using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Daemon.Tests.Systemd;

/// <summary>
/// Moves a <see cref="FakeTimeProvider"/> for a sensor loop and a watchdog sharing it: time passes only when someone waits
/// (the sensor's pacer, or the test while the loop hangs). At each watchdog check it stops until the watchdog has run that
/// check, and notes when a ping went out, so ping gaps are measured on the fake clock. Scheduled actions (unplug, replug)
/// run at their moment of fake time.
/// </summary>
sealed class FakeClockDriver(FakeTimeProvider time, TimeSpan checkInterval)
{
    readonly DateTimeOffset _start = time.GetUtcNow();
    readonly List<(TimeSpan At, Action Do)> _schedule = [];
    readonly object _gate = new();
    PipelineWatchdog? _watchdog;
    long _checks, _pings;

    public FakeTimeProvider Time => time;
    public TimeSpan Now => time.GetUtcNow() - _start;
    /// <summary>Fake times at which a WATCHDOG=1 was sent.</summary>
    public List<TimeSpan> Pings { get; } = [];

    public void Watch(PipelineWatchdog watchdog) => _watchdog = watchdog;

    public void At(TimeSpan at, Action action)
    {
        _schedule.Add((at, action));
        _schedule.Sort((a, b) => a.At.CompareTo(b.At));
    }

    public void Advance(TimeSpan by)
    {
        lock (_gate)
        {
            TimeSpan target = Now + by;
            while (Now < target)
            {
                TimeSpan nextCheck = checkInterval * (_checks + 1);
                TimeSpan nextAction = _schedule.Count > 0 ? _schedule[0].At : TimeSpan.MaxValue;
                TimeSpan until = Min(target, Min(nextCheck, nextAction));
                time.Advance(until - Now);
                if (Now == nextCheck) AwaitCheck();
                while (_schedule.Count > 0 && _schedule[0].At <= Now)
                {
                    Action action = _schedule[0].Do;
                    _schedule.RemoveAt(0);
                    action();
                }
            }
        }
    }

    /// <summary>The largest gap between pings from the start to now (the start and now count as ends).</summary>
    public TimeSpan LongestGap()
    {
        TimeSpan longest = TimeSpan.Zero, previous = TimeSpan.Zero;
        foreach (TimeSpan ping in Pings.Append(Now))
        {
            if (ping - previous > longest) longest = ping - previous;
            previous = ping;
        }
        return longest;
    }

    void AwaitCheck()
    {
        _checks++;
        if (_watchdog is not { } watchdog) return;
        if (!SpinWait.SpinUntil(() => watchdog.PingsSent + watchdog.StalledChecks >= _checks, TimeSpan.FromSeconds(20)))
            throw new TimeoutException($"the watchdog did not run its check {_checks} within 20 s");
        if (watchdog.PingsSent > _pings)
        {
            _pings = watchdog.PingsSent;
            Pings.Add(Now);
        }
    }

    static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}

/// <summary>A pacer whose waits move the fake clock through the driver.</summary>
sealed class DrivenPacer(FakeClockDriver driver) : SamplePacer(driver.Time)
{
    public override void Wait(TimeSpan duration, CancellationToken cancellationToken)
    {
        if (duration > TimeSpan.Zero && !cancellationToken.IsCancellationRequested) driver.Advance(duration);
    }
}
