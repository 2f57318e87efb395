namespace SensorOdl.Drivers.Sensors;

/// <summary>
/// A <see cref="TimeProvider"/> with a wall clock of its own over the timestamps and timers of <see cref="Monotonic"/>
/// (e.g. the daemon's anchored data clock over <see cref="TimeProvider.System"/>): a <see cref="SamplePacer"/> on it waits as
/// precisely as on <see cref="Monotonic"/>.
/// </summary>
public interface IOwnWallClock
{
    TimeProvider Monotonic { get; }
}
