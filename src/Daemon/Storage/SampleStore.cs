using System.Runtime.InteropServices;
using LiteDB;

namespace SensorOdl.Daemon.Storage;

public sealed class SampleRecord
{
    [BsonId] public long Id { get; set; }
    /// <summary>Data-clock time of the window, Unix ms.</summary>
    public long Ts { get; set; }
    public byte[] Features { get; set; } = [];
    /// <summary>null, "fault" or "normal"; labelled windows are pinned.</summary>
    public string? Label { get; set; }

    public float[] Vector() => MemoryMarshal.Cast<byte, float>(Features).ToArray();
}

/// <summary>A stored window's synthetic fault probes ([k·d] raw features, kind by kind; waveforms only), under its sample id.</summary>
public sealed class SampleProbesRecord
{
    [BsonId] public long Id { get; set; }
    public byte[] Probes { get; set; } = [];
}

sealed class Counter
{
    [BsonId] public string Name { get; set; } = "";
    public long Next { get; set; }
}

/// <summary>
/// A bounded ring of recent windows' feature vectors with sample ids that are never reused (ids are
/// reserved in blocks, the reservation committed before any id of it is used). Windows are written in
/// batches to spare the SD card and are not synced on their own (the newest may be lost in a power cut); labels are
/// synced before they are answered; labelled windows are pinned and never evicted.
/// </summary>
public sealed class SampleStore
{
    public const string CountersCollection = "counters", CollectionName = "samples", ProbesCollection = "sample_probes";
    const string Samples = CollectionName, Counters = CountersCollection, Probes = ProbesCollection;
    const int IdBlock = 1000, FlushBatch = 64;
    readonly StateDatabase _state;
    readonly int _capacity;
    readonly object _gate = new();
    readonly List<SampleRecord> _pending = [];
    readonly List<SampleProbesRecord> _pendingProbes = [];
    long _nextId, _reservedUpTo;

    public SampleStore(StateDatabase state, int capacity)
    {
        _state = state;
        _capacity = capacity;
        state.Database.GetCollection<SampleRecord>(Samples).EnsureIndex(s => s.Ts);
        long stored = state.Database.GetCollection<Counter>(Counters).FindById("sample")?.Next ?? 1;
        _nextId = _reservedUpTo = stored;
    }

    /// <summary>Adds a window, with its synthetic fault probes when there are any (kept beside it and evicted with it); returns its sample id.</summary>
    public long Add(ReadOnlySpan<float> features, long ts, ReadOnlySpan<float> probes = default)
    {
        lock (_gate)
        {
            if (_nextId >= _reservedUpTo)
            {
                long reserve = _reservedUpTo = _nextId + IdBlock;
                // The writer runs in order: the reservation commits before any batch that uses its ids.
                _state.Post(db => db.GetCollection<Counter>(Counters).Upsert(new Counter { Name = "sample", Next = reserve }));
            }
            long id = _nextId++;
            _pending.Add(new SampleRecord { Id = id, Ts = ts, Features = MemoryMarshal.AsBytes(features).ToArray() });
            if (!probes.IsEmpty) _pendingProbes.Add(new SampleProbesRecord { Id = id, Probes = MemoryMarshal.AsBytes(probes).ToArray() });
            if (_pending.Count >= FlushBatch) _state.Post(TakeBatchLocked());
            return id;
        }
    }

    /// <summary>Commits the windows not yet written; completes when they are.</summary>
    public Task FlushAsync()
    {
        lock (_gate) return _state.WriteAsync(TakeBatchLocked());
    }

    /// <summary>The same, blocking (the adaptation job's thread).</summary>
    public void Flush()
    {
        Action<LiteDatabase> batch;
        lock (_gate) batch = TakeBatchLocked();
        _state.Write(batch);
    }

    Action<LiteDatabase> TakeBatchLocked()
    {
        SampleRecord[] batch = [.. _pending];
        SampleProbesRecord[] probeBatch = [.. _pendingProbes];
        _pending.Clear();
        _pendingProbes.Clear();
        int capacity = _capacity;
        return db =>
        {
            if (batch.Length == 0) return;
            ILiteCollection<SampleRecord> samples = db.GetCollection<SampleRecord>(Samples);
            ILiteCollection<SampleProbesRecord> probes = db.GetCollection<SampleProbesRecord>(Probes);
            samples.Upsert(batch);
            if (probeBatch.Length > 0) probes.Upsert(probeBatch);
            int excess = samples.Count(s => s.Label == null) - capacity;
            if (excess > 0)
                foreach (SampleRecord old in samples.Query().Where(s => s.Label == null).OrderBy(s => s.Id).Limit(excess).ToList())
                {
                    samples.Delete(old.Id);
                    probes.Delete(old.Id);
                }
        };
    }

    /// <summary>Pins the windows of a time span under a label; returns how many were labelled.</summary>
    public async Task<int> LabelAsync(long fromMs, long toMs, string label)
    {
        await FlushAsync();
        int count = 0;
        await _state.WriteAsync(db =>
        {
            ILiteCollection<SampleRecord> samples = db.GetCollection<SampleRecord>(Samples);
            foreach (SampleRecord s in samples.Find(s => s.Ts >= fromMs && s.Ts <= toMs).ToList())
            {
                s.Label = label;
                samples.Update(s);
                count++;
            }
        }, durable: true); // a label is announced (command reply) only once it is on the disk
        return count;
    }

    /// <summary>The newest unlabelled (or normal-labelled) windows at or after a time, oldest first.</summary>
    public IReadOnlyList<SampleRecord> Newest(int count, long sinceMs = long.MinValue)
    {
        Flush();
        List<SampleRecord> newest = [.. _state.Database.GetCollection<SampleRecord>(Samples).Query()
            .Where(s => s.Ts >= sinceMs && (s.Label == null || s.Label == "normal"))
            .OrderByDescending(s => s.Id).Limit(count).ToEnumerable()];
        newest.Reverse();
        return newest;
    }

    public int CountSince(long sinceMs)
    {
        Flush();
        return _state.Database.GetCollection<SampleRecord>(Samples).Count(s => s.Ts >= sinceMs && (s.Label == null || s.Label == "normal"));
    }

    /// <summary>The stored probes of each window ([k·d] raw features), null where a window has none (or has left the ring).</summary>
    public IReadOnlyList<float[]?> ProbesOf(IReadOnlyList<long> ids)
    {
        Flush();
        ILiteCollection<SampleProbesRecord> probes = _state.Database.GetCollection<SampleProbesRecord>(Probes);
        return [.. ids.Select(id => probes.FindById(id) is { } record ? MemoryMarshal.Cast<byte, float>(record.Probes).ToArray() : null)];
    }

    public IReadOnlyList<SampleRecord> Labelled(string label) =>
        [.. _state.Database.GetCollection<SampleRecord>(Samples).Find(s => s.Label == label)];
}
