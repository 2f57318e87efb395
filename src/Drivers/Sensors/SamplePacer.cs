using System.Diagnostics;

namespace SensorOdl.Drivers.Sensors;

/// <summary>
/// Paces samples and windows on a <see cref="TimeProvider"/>'s clock: <see cref="Elapsed"/> is monotonic, and
/// <see cref="WaitUntil"/> / <see cref="Wait"/> block until the time is due. On <see cref="TimeProvider.System"/> the wait is
/// precise (a sleep, or a spin below 2 ms for per-sample polling), and so on an <see cref="IOwnWallClock"/> over it; on any other provider it waits for that provider's
/// timer, so whoever advances the provider releases it. Tests override <see cref="Wait"/> to advance a fake instead.
/// </summary>
public class SamplePacer
{
    private static readonly TimeSpan SpinBelow = TimeSpan.FromMilliseconds(2);
    private readonly long _start;

    public SamplePacer(TimeProvider? time = null)
    {
        Time = time ?? TimeProvider.System;
        _start = Time.GetTimestamp();
    }

    /// <summary>The clock: wall time for timestamps and health, monotonic time for pacing.</summary>
    public TimeProvider Time { get; }

    /// <summary>Monotonic time since the pacer was created.</summary>
    public TimeSpan Elapsed => Time.GetElapsedTime(_start);

    /// <summary>Returns once <see cref="Elapsed"/> reaches <paramref name="due"/> (at once when it has), or early when cancelled.</summary>
    public void WaitUntil(TimeSpan due, CancellationToken cancellationToken)
    {
        var wait = due - Elapsed;
        if (wait > TimeSpan.Zero) Wait(wait, cancellationToken);
    }

    /// <summary>Waits <paramref name="duration"/>, or returns early when cancelled (the caller checks the token).</summary>
    public virtual void Wait(TimeSpan duration, CancellationToken cancellationToken)
    {
        if (duration <= TimeSpan.Zero) return;
        if (ReferenceEquals(Time, TimeProvider.System) || Time is IOwnWallClock { Monotonic: var m } && ReferenceEquals(m, TimeProvider.System)) WaitPrecisely(duration, cancellationToken);
        else WaitForTimer(duration, cancellationToken);
    }

    private static void WaitPrecisely(TimeSpan duration, CancellationToken cancellationToken)
    {
        // Waits of a window or more sleep outright: callers keep an absolute schedule, so a millisecond of timer
        // slack never accumulates, and spinning through the last stretch of every window cost 2 % of a core.
        if (duration >= SpinBelow)
        {
            cancellationToken.WaitHandle.WaitOne(duration);
            return;
        }
        long until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var spinner = new SpinWait();
        while (Stopwatch.GetTimestamp() < until && !cancellationToken.IsCancellationRequested) spinner.SpinOnce(-1);
    }

    private void WaitForTimer(TimeSpan duration, CancellationToken cancellationToken)
    {
        try
        {
            Task.Delay(duration, Time, cancellationToken).Wait(CancellationToken.None);
        }
        catch (AggregateException e) when (e.InnerException is TaskCanceledException)
        {
        }
    }
}
