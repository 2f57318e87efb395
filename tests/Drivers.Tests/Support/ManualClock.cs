using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Drivers.Tests.Support;

/// <summary>A clock that only moves when someone sleeps on it (or the test advances it).</summary>
internal sealed class ManualClock : ISensorClock
{
    public TimeSpan Elapsed { get; private set; }
    public DateTimeOffset UtcNow => DateTimeOffset.UnixEpoch.AddYears(56) + Elapsed;
    public TimeSpan TotalSlept { get; private set; }
    public int Sleeps { get; private set; }

    public void Advance(TimeSpan by) => Elapsed += by;

    public void Sleep(TimeSpan duration, CancellationToken cancellationToken)
    {
        if (duration <= TimeSpan.Zero) return;
        Elapsed += duration;
        TotalSlept += duration;
        Sleeps++;
    }
}
