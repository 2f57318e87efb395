namespace SensorOdl.Drivers.Sensors;

/// <summary>Time for pacing and back-off; tests substitute a manual clock.</summary>
public interface ISensorClock
{
    /// <summary>Monotonic time since the clock was created.</summary>
    TimeSpan Elapsed { get; }

    DateTimeOffset UtcNow { get; }

    /// <summary>Waits <paramref name="duration"/> (or returns early when cancelled).</summary>
    void Sleep(TimeSpan duration, CancellationToken cancellationToken);
}
