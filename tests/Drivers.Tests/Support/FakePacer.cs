using Microsoft.Extensions.Time.Testing;
using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Drivers.Tests.Support;

/// <summary>A pacer on a <see cref="FakeTimeProvider"/> that moves the fake clock instead of waiting, and counts its waits.</summary>
internal sealed class FakePacer(FakeTimeProvider time) : SamplePacer(time)
{
    public FakePacer()
        : this(new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)))
    {
    }

    public FakeTimeProvider Fake => time;
    public TimeSpan TotalWaited { get; private set; }
    public int Waits { get; private set; }

    /// <summary>Time passing outside any wait (the test's own doing).</summary>
    public void Advance(TimeSpan by) => time.Advance(by);

    public override void Wait(TimeSpan duration, CancellationToken cancellationToken)
    {
        if (duration <= TimeSpan.Zero) return;
        time.Advance(duration);
        TotalWaited += duration;
        Waits++;
    }
}
