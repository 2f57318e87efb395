namespace SensorOdl.Drivers.Sensors;

/// <summary>Exponential back-off between reconnection attempts: Initial, ×Factor after each failure, capped at Max.</summary>
public sealed record BackoffPolicy(TimeSpan Initial, TimeSpan Max, double Factor = 2)
{
    public static BackoffPolicy Default { get; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));

    /// <summary>
    /// The longest one read waits for the next attempt: a longer back-off is spent in several reads that each return
    /// <see cref="SensorReadResult.Faulted"/>, so the loop calling them keeps turning and the watchdog sees a daemon waiting
    /// for a cable, not a hung one.
    /// </summary>
    public TimeSpan WaitSlice { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan Next(TimeSpan current) =>
        current <= TimeSpan.Zero ? Initial : TimeSpan.FromTicks(Math.Min(Max.Ticks, (long)(current.Ticks * Factor)));
}
