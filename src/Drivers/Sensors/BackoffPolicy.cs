namespace SensorOdl.Drivers.Sensors;

/// <summary>Exponential back-off between reconnection attempts: Initial, ×Factor after each failure, capped at Max.</summary>
public sealed record BackoffPolicy(TimeSpan Initial, TimeSpan Max, double Factor = 2)
{
    public static BackoffPolicy Default { get; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));

    public TimeSpan Next(TimeSpan current) =>
        current <= TimeSpan.Zero ? Initial : TimeSpan.FromTicks(Math.Min(Max.Ticks, (long)(current.Ticks * Factor)));
}
