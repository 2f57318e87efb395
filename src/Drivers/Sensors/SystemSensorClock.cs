using System.Diagnostics;

namespace SensorOdl.Drivers.Sensors;

/// <summary>The real clock: a <see cref="Stopwatch"/> for pacing; sleeps for waits of 2 ms or more, spins below that (per-sample polling).</summary>
public sealed class SystemSensorClock : ISensorClock
{
    private static readonly TimeSpan SpinBelow = TimeSpan.FromMilliseconds(2);
    private readonly Stopwatch _stopwatch = Stopwatch.StartNew();

    public static SystemSensorClock Instance { get; } = new();

    public TimeSpan Elapsed => _stopwatch.Elapsed;
    public DateTimeOffset UtcNow => DateTimeOffset.UtcNow;

    public void Sleep(TimeSpan duration, CancellationToken cancellationToken)
    {
        if (duration <= TimeSpan.Zero) return;
        // Waits of a window or more sleep outright: callers keep an absolute schedule, so a millisecond of timer
        // slack never accumulates, and spinning through the last stretch of every window cost 2 % of a core.
        if (duration >= SpinBelow)
        {
            cancellationToken.WaitHandle.WaitOne(duration);
            return;
        }
        TimeSpan until = _stopwatch.Elapsed + duration;
        var spinner = new SpinWait();
        while (_stopwatch.Elapsed < until && !cancellationToken.IsCancellationRequested) spinner.SpinOnce(-1);
    }
}
