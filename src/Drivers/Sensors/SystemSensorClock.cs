using System.Diagnostics;

namespace SensorOdl.Drivers.Sensors;

/// <summary>The real clock: a <see cref="Stopwatch"/> for pacing, sleeping for long waits and spinning for the last stretch.</summary>
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
        TimeSpan until = _stopwatch.Elapsed + duration;
        TimeSpan coarse = duration - SpinBelow;
        if (coarse > TimeSpan.Zero) cancellationToken.WaitHandle.WaitOne(coarse);
        var spinner = new SpinWait();
        while (_stopwatch.Elapsed < until && !cancellationToken.IsCancellationRequested) spinner.SpinOnce(-1);
    }
}
