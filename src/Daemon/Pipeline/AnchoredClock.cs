using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Daemon.Pipeline;

/// <summary>What a re-anchoring did: the data clock read <see cref="From"/> and now reads <see cref="To"/> (the wall clock).</summary>
public sealed record ClockAdjustment(DateTimeOffset From, DateTimeOffset To)
{
    public TimeSpan Offset => To - From;
}

/// <summary>
/// The data clock of a live sensor: the wall clock read once at start, then carried on by the monotonic clock, so a wall
/// clock that jumps (NTP after a boot without a real-time clock, a hand-set date) moves nothing the daemon times — rate
/// limits, back-offs, episodes, sample timestamps, timers. <see cref="Check"/> (every few seconds) re-anchors it to the wall
/// clock once that clock is plausible (<see cref="ClockPlausibility"/>) and differs by more than <see cref="Tolerance"/>;
/// the caller reports the <see cref="ClockAdjustment"/> as a <c>clock_adjusted</c> event. Until the wall clock is plausible,
/// <see cref="Synced"/> is false (events carry <c>clockSynced: false</c>). Timestamps and timers are <paramref name="monotonic"/>'s.
/// </summary>
public sealed class AnchoredClock : TimeProvider, IOwnWallClock
{
    public static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(2);
    readonly TimeProvider _monotonic;
    readonly ClockPlausibility _plausibility;
    readonly object _gate = new();
    DateTimeOffset _anchorWall;
    long _anchorTimestamp;
    volatile bool _synced;

    public AnchoredClock(TimeProvider monotonic, ClockPlausibility plausibility)
    {
        _monotonic = monotonic;
        _plausibility = plausibility;
        _anchorTimestamp = monotonic.GetTimestamp();
        _anchorWall = monotonic.GetUtcNow();
        _synced = plausibility.IsPlausible(_anchorWall);
    }

    public TimeProvider Monotonic => _monotonic;

    /// <summary>True once the wall clock the data clock follows was plausible.</summary>
    public bool Synced => _synced;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate) return _anchorWall + _monotonic.GetElapsedTime(_anchorTimestamp);
    }

    public override long GetTimestamp() => _monotonic.GetTimestamp();
    public override long TimestampFrequency => _monotonic.TimestampFrequency;
    public override TimeZoneInfo LocalTimeZone => _monotonic.LocalTimeZone;
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        _monotonic.CreateTimer(callback, state, dueTime, period);

    /// <summary>Compares with the wall clock; re-anchors when it is plausible and apart by more than <see cref="Tolerance"/>.</summary>
    /// <returns>The adjustment made, or null.</returns>
    public ClockAdjustment? Check()
    {
        DateTimeOffset wall = _monotonic.GetUtcNow();
        if (!_plausibility.IsPlausible(wall)) return null; // an implausible wall clock is never followed
        lock (_gate)
        {
            _synced = true;
            DateTimeOffset data = _anchorWall + _monotonic.GetElapsedTime(_anchorTimestamp);
            if ((wall - data).Duration() <= Tolerance) return null;
            _anchorWall = wall;
            _anchorTimestamp = _monotonic.GetTimestamp();
            return new ClockAdjustment(data, wall);
        }
    }
}
