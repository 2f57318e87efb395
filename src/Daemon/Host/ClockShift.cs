using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;

namespace SensorOdl.Daemon.Host;

/// <summary>
/// What a re-anchored data clock (clock_adjusted) moves in the state: every window this process stored (its time, so
/// that a label span in the corrected time pins it and retention counts from when it was really taken) and the retention
/// time of every event of this process, and the adaptation episode's and waiting job's data times. All were timed on the
/// old anchor plus monotonic time, so one step fits all.
/// </summary>
public static class ClockShift
{
    public static Task ApplyAsync(ClockAdjustment adjustment, SampleStore samples, EventLog events, AdaptationCoordinator? adaptation)
    {
        long offsetMs = (long)adjustment.Offset.TotalMilliseconds;
        adaptation?.ShiftDataTimes(offsetMs / 1000.0);
        return Task.WhenAll(samples.ShiftRunAsync(offsetMs), events.ShiftRunAsync(offsetMs));
    }
}
