using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Tests.Support;

namespace SensorOdl.Drivers.Tests.Sensors;

public class SamplePacerTests
{
    [Fact]
    public void System_pacer_waits_at_least_as_long_as_asked()
    {
        var pacer = new SamplePacer();
        var watch = Stopwatch.StartNew();
        var before = pacer.Elapsed;

        pacer.Wait(TimeSpan.FromMilliseconds(6), CancellationToken.None);

        Assert.True(pacer.Elapsed - before >= TimeSpan.FromMilliseconds(6));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void System_pacer_spins_through_waits_shorter_than_a_timer_tick()
    {
        var pacer = new SamplePacer(TimeProvider.System);
        var before = pacer.Elapsed;

        pacer.WaitUntil(before + TimeSpan.FromMilliseconds(0.5), CancellationToken.None);

        Assert.True(pacer.Elapsed - before >= TimeSpan.FromMilliseconds(0.5));
    }

    [Fact]
    public void System_pacer_returns_early_when_cancelled()
    {
        var pacer = new SamplePacer();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(20));
        var watch = Stopwatch.StartNew();

        pacer.Wait(TimeSpan.FromSeconds(30), cancel.Token);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Pacer_elapsed_follows_its_time_provider()
    {
        var time = new FakeTimeProvider();
        var pacer = new SamplePacer(time);

        time.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(TimeSpan.FromSeconds(3), pacer.Elapsed);
        Assert.Same(time, pacer.Time);
    }

    [Fact]
    public void Pacer_does_not_wait_for_a_time_already_past()
    {
        var pacer = new FakePacer();
        pacer.Advance(TimeSpan.FromSeconds(2));

        pacer.WaitUntil(TimeSpan.FromSeconds(1), CancellationToken.None);
        pacer.WaitUntil(TimeSpan.FromSeconds(2.5), CancellationToken.None);

        Assert.Equal(1, pacer.Waits);
        Assert.Equal(TimeSpan.FromSeconds(0.5), pacer.TotalWaited);
    }

    [Fact]
    public void Pacer_on_another_provider_is_released_when_that_provider_advances()
    {
        var time = new FakeTimeProvider();
        var pacer = new SamplePacer(time);
        var waiting = Task.Run(() => pacer.Wait(TimeSpan.FromSeconds(10), CancellationToken.None));
        Thread.Sleep(20);
        Assert.False(waiting.IsCompleted);

        var watch = Stopwatch.StartNew();
        while (!waiting.IsCompleted && watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            time.Advance(TimeSpan.FromSeconds(1)); // the timer may be armed a moment after the task starts
            Thread.Sleep(5);
        }

        Assert.True(waiting.IsCompleted);
        Assert.True(pacer.Elapsed >= TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Pacer_on_another_provider_returns_early_when_cancelled()
    {
        var pacer = new SamplePacer(new FakeTimeProvider());
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(20));

        pacer.Wait(TimeSpan.FromHours(1), cancel.Token);

        Assert.True(cancel.IsCancellationRequested);
    }
}
