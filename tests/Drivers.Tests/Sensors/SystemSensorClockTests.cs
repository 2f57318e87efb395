using System.Diagnostics;
using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Drivers.Tests.Sensors;

public class SystemSensorClockTests
{
    [Fact]
    public void Sensor_clock_sleeps_at_least_as_long_as_asked()
    {
        var clock = new SystemSensorClock();
        var watch = Stopwatch.StartNew();
        var before = clock.Elapsed;

        clock.Sleep(TimeSpan.FromMilliseconds(6), CancellationToken.None);

        Assert.True(clock.Elapsed - before >= TimeSpan.FromMilliseconds(6));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Sensor_clock_sleep_returns_early_when_cancelled()
    {
        var clock = new SystemSensorClock();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(20));
        var watch = Stopwatch.StartNew();

        clock.Sleep(TimeSpan.FromSeconds(30), cancel.Token);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
    }
}
