namespace SensorOdl.Daemon.Fleet.Simulation;

/// <summary>
/// When each simulated device reads its next window: one queue for the whole fleet, ordered by due time, so a single
/// thread serves every device. Devices start staggered over one period (not all at once). A device whose next window
/// is already more than <see cref="MaxLag"/> overdue (the machine could not keep up) is moved to now instead of
/// catching up in a burst; the windows it skipped are counted in <see cref="Skipped"/>.
/// </summary>
public sealed class WindowSchedule
{
    readonly PriorityQueue<int, TimeSpan> _queue = new();
    readonly TimeSpan[] _due;

    public WindowSchedule(int devices, TimeSpan period, TimeSpan start)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(devices);
        if (period <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(period), "the period must be positive");
        Period = period;
        _due = new TimeSpan[devices];
        for (int i = 0; i < devices; i++)
        {
            _due[i] = start + period * i / devices;
            _queue.Enqueue(i, _due[i]);
        }
    }

    public TimeSpan Period { get; }

    /// <summary>How far a device may fall behind before it skips windows rather than catching up.</summary>
    public TimeSpan MaxLag => Period * 4;

    /// <summary>Windows not read because the fleet fell behind.</summary>
    public long Skipped { get; private set; }

    /// <summary>The device whose window is due first, and when.</summary>
    public (int Device, TimeSpan Due) Next()
    {
        int device = _queue.Peek();
        return (device, _due[device]);
    }

    /// <summary>The device returned by <see cref="Next"/> has read its window at <paramref name="now"/>: it is due again one period later.</summary>
    public void Done(int device, TimeSpan now)
    {
        if (_queue.Peek() != device) throw new InvalidOperationException($"device {device} is not the one due first");
        _queue.Dequeue();
        TimeSpan next = _due[device] + Period;
        if (now - next > MaxLag)
        {
            long behind = (long)((now - next) / Period);
            Skipped += behind;
            next += Period * behind;
        }
        _due[device] = next;
        _queue.Enqueue(device, next);
    }
}
