namespace SensorOdl.Daemon.Pipeline;

/// <summary>
/// The time a replay in accelerated time lives in (`demo`, `adapt-eval`): the moment the run started plus
/// the data's own clock, so events, job ids and intervals follow the data and not the wall.
/// </summary>
public sealed class DataClock(DateTimeOffset start) : TimeProvider
{
    long _elapsedMs;

    /// <summary>Seconds of data since the start; set by the replay loop.</summary>
    public double Seconds
    {
        get => Interlocked.Read(ref _elapsedMs) / 1000.0;
        set => Interlocked.Exchange(ref _elapsedMs, (long)Math.Round(value * 1000));
    }

    public override DateTimeOffset GetUtcNow() => start.AddMilliseconds(Interlocked.Read(ref _elapsedMs));
}
