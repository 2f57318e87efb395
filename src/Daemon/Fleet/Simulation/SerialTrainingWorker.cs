using System.Collections.Concurrent;

namespace SensorOdl.Daemon.Fleet.Simulation;

/// <summary>
/// One thread that runs every simulated device's training jobs, one after another in the order they were started, so
/// that 200 devices told to retrain at once queue up instead of fitting 200 models in parallel on a small machine.
/// </summary>
public sealed class SerialTrainingWorker : TaskScheduler, IDisposable
{
    readonly BlockingCollection<Task> _queue = new();
    readonly Thread _thread;
    int _running;

    public SerialTrainingWorker()
    {
        _thread = new Thread(() =>
        {
            foreach (Task task in _queue.GetConsumingEnumerable())
            {
                Interlocked.Exchange(ref _running, 1);
                TryExecuteTask(task);
                Interlocked.Exchange(ref _running, 0);
                Interlocked.Increment(ref _completed);
            }
        }) { IsBackground = true, Name = "fleet-sim-training" };
        _thread.Start();
    }

    long _completed;

    /// <summary>Jobs waiting for their turn (not counting the one running).</summary>
    public int Waiting => _queue.Count;

    public bool Busy => Volatile.Read(ref _running) == 1;

    public long Completed => Interlocked.Read(ref _completed);

    public override int MaximumConcurrencyLevel => 1;

    protected override void QueueTask(Task task) => _queue.Add(task);

    // Never on the caller's thread: that would be the sensor scheduler or a command handler.
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

    protected override IEnumerable<Task> GetScheduledTasks() => _queue.ToArray();

    /// <summary>Stops taking jobs; the one running finishes (waited for up to <paramref name="timeout"/>).</summary>
    public void Stop(TimeSpan timeout)
    {
        if (!_queue.IsAddingCompleted) _queue.CompleteAdding();
        _thread.Join(timeout);
    }

    public void Dispose()
    {
        Stop(TimeSpan.FromSeconds(10));
        _queue.Dispose();
    }
}
