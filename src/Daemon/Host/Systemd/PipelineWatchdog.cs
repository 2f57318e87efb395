namespace SensorOdl.Daemon.Host.Systemd;

/// <summary>
/// Pets the systemd watchdog from pipeline progress rather than from a timer: every
/// WatchdogInterval/4 it sends WATCHDOG=1 only if <c>progress</c> (the sensor loop's reads: windows,
/// failed reads, slices of a reconnection back-off) changed since the previous check, so a stuck
/// loop lets systemd kill and restart the service. A loop that advances more often than that keeps
/// the pings under WatchdogInterval/2 apart (half of systemd's limit, its own advice); one that
/// advances at least every WatchdogInterval/2 still keeps the service alive.
/// </summary>
public sealed class PipelineWatchdog(SystemdNotifier notifier, Func<long> progress, TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private long _pingsSent;
    private long _stalledChecks;

    public long PingsSent => Interlocked.Read(ref _pingsSent);

    /// <summary>Checks that found no progress (and so sent nothing).</summary>
    public long StalledChecks => Interlocked.Read(ref _stalledChecks);

    /// <summary>Runs until cancelled; returns at once when the unit has no watchdog.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!notifier.IsEnabled || notifier.WatchdogInterval is not { } interval)
            return;

        var last = Read();
        using var timer = new PeriodicTimer(CheckInterval(interval), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var current = Read();
                if (current is { } value && value != last)
                {
                    last = value;
                    if (notifier.Watchdog())
                        Interlocked.Increment(ref _pingsSent);
                }
                else
                {
                    Interlocked.Increment(ref _stalledChecks);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>How often progress is checked (and a ping sent) for a unit's WatchdogSec.</summary>
    public static TimeSpan CheckInterval(TimeSpan watchdogInterval) => watchdogInterval / 4;

    // A throwing counter counts as no progress: the pings stop and systemd restarts the service.
    private long? Read()
    {
        try
        {
            return progress();
        }
        catch (Exception)
        {
            return null;
        }
    }
}
