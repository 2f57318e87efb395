namespace SensorOdl.Daemon.Host.Systemd;

/// <summary>
/// Pets the systemd watchdog from pipeline progress rather than from a timer: every
/// WatchdogInterval/2 it sends WATCHDOG=1 only if <c>progress</c> (e.g. windows scored) changed
/// since the previous check, so a stuck pipeline lets systemd kill and restart the service.
/// The pipeline must therefore advance more often than WatchdogInterval/2.
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
        using var timer = new PeriodicTimer(interval / 2, _time);
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
