namespace SensorOdl.Daemon.Configuration;

/// <summary>
/// The settings in force. Readers on any thread take <see cref="Current"/>, an immutable snapshot; the `set`
/// command swaps in a new one atomically, so no reader ever sees half a change.
/// </summary>
public sealed class LiveSettings(DaemonSettings initial)
{
    DaemonSettings _current = initial;

    public DaemonSettings Current => Volatile.Read(ref _current);

    /// <summary>Applies <paramref name="change"/> to the newest snapshot (retrying if another writer won) and returns the result.</summary>
    public DaemonSettings Update(Func<DaemonSettings, DaemonSettings> change)
    {
        while (true)
        {
            DaemonSettings before = Current;
            DaemonSettings after = change(before);
            if (Interlocked.CompareExchange(ref _current, after, before) == before) return after;
        }
    }
}
