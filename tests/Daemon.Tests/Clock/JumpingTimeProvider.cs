namespace SensorOdl.Daemon.Tests.Clock;

/// <summary>
/// A clock whose wall time can jump either way (NTP after a boot without a real-time clock, a hand-set date) while its
/// monotonic timestamp runs on; FakeTimeProvider cannot go backwards. Time moves only by <see cref="Advance"/>.
/// </summary>
sealed class JumpingTimeProvider(DateTimeOffset wall) : TimeProvider
{
    long _ticks; // monotonic, in TimeSpan ticks
    DateTimeOffset _wallAtZero = wall;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    public override long GetTimestamp() => Interlocked.Read(ref _ticks);
    public override DateTimeOffset GetUtcNow() => _wallAtZero + TimeSpan.FromTicks(GetTimestamp());

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

    /// <summary>The wall clock is set to another time; the monotonic clock does not notice.</summary>
    public void Jump(TimeSpan by) => _wallAtZero += by;
}
