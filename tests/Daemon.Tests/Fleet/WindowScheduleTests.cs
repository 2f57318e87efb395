using SensorOdl.Daemon.Fleet.Simulation;

namespace SensorOdl.Daemon.Tests.Fleet;

/// <summary>The `fleet simulate` window scheduler: one queue, staggered starts, no catch-up bursts.</summary>
public sealed class WindowScheduleTests
{
    static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void Devices_start_staggered_over_one_period_and_each_comes_back_one_period_later()
    {
        var schedule = new WindowSchedule(4, Period, TimeSpan.Zero);
        var order = new List<(int, double)>();
        for (int i = 0; i < 8; i++)
        {
            (int device, TimeSpan due) = schedule.Next();
            order.Add((device, due.TotalMilliseconds));
            schedule.Done(device, due); // on time
        }
        Assert.Equal([(0, 0.0), (1, 25.0), (2, 50.0), (3, 75.0), (0, 100.0), (1, 125.0), (2, 150.0), (3, 175.0)], order);
        Assert.Equal(0, schedule.Skipped);
    }

    [Fact]
    public void A_device_that_fell_far_behind_skips_to_now_instead_of_catching_up_in_a_burst()
    {
        var schedule = new WindowSchedule(1, Period, TimeSpan.Zero);
        (int device, _) = schedule.Next();
        schedule.Done(device, TimeSpan.FromMilliseconds(1_000)); // the machine stalled for a second
        (_, TimeSpan next) = schedule.Next();
        Assert.Equal(TimeSpan.FromMilliseconds(1_000), next);
        Assert.Equal(9, schedule.Skipped); // the windows due at 100, 200, … 900
    }

    [Fact]
    public void A_little_lag_is_caught_up_without_skipping()
    {
        var schedule = new WindowSchedule(2, Period, TimeSpan.Zero);
        (int device, _) = schedule.Next();
        schedule.Done(device, TimeSpan.FromMilliseconds(250));
        Assert.Equal(0, schedule.Skipped);
        Assert.Equal((1, TimeSpan.FromMilliseconds(50)), schedule.Next());
    }

    [Fact]
    public void Only_the_device_due_first_can_be_marked_done()
    {
        var schedule = new WindowSchedule(2, Period, TimeSpan.Zero);
        Assert.Throws<InvalidOperationException>(() => schedule.Done(1, TimeSpan.Zero));
    }
}

/// <summary>The one training worker of `fleet simulate`: jobs run one at a time, in order, never on the caller's thread.</summary>
public sealed class SerialTrainingWorkerTests
{
    [Fact]
    public async Task Jobs_run_one_at_a_time_in_the_order_started_on_the_workers_own_thread()
    {
        using var worker = new SerialTrainingWorker();
        int running = 0, maxRunning = 0;
        var order = new List<int>();
        var threads = new HashSet<int>();
        using var gate = new ManualResetEventSlim(false);
        Task[] jobs = [.. Enumerable.Range(0, 20).Select(i => Task.Factory.StartNew(() =>
        {
            if (i == 0) gate.Wait(TimeSpan.FromSeconds(10)); // the others queue behind the first
            int now = Interlocked.Increment(ref running);
            lock (order)
            {
                maxRunning = Math.Max(maxRunning, now);
                order.Add(i);
                threads.Add(Environment.CurrentManagedThreadId);
            }
            Thread.SpinWait(1000);
            Interlocked.Decrement(ref running);
        }, CancellationToken.None, TaskCreationOptions.HideScheduler, worker))];
        Assert.True(SpinWait.SpinUntil(() => worker.Waiting == 19, TimeSpan.FromSeconds(10)), $"19 jobs wait behind the first (waiting {worker.Waiting})");
        // The worker takes the first job off the queue a moment before it marks itself busy (a CI run saw the gap).
        Assert.True(SpinWait.SpinUntil(() => worker.Busy, TimeSpan.FromSeconds(10)), "the worker is busy with the first job");
        gate.Set();
        await Task.WhenAll(jobs).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(1, maxRunning);
        Assert.Equal(Enumerable.Range(0, 20), order);
        Assert.Single(threads);
        Assert.DoesNotContain(Environment.CurrentManagedThreadId, threads);
        Assert.True(SpinWait.SpinUntil(() => worker.Completed == 20, TimeSpan.FromSeconds(5)));
    }
}
