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

    /// <summary>The windows' features in one array, [count, d], copied once (a job's 2,000 spectra are 4 MB).</summary>
    public static float[] Vectors(IReadOnlyList<SampleRecord> windows)
    {
        var all = new float[windows.Sum(w => w.Features.Length) / sizeof(float)];
        int at = 0;
        foreach (SampleRecord window in windows)
        {
            ReadOnlySpan<float> features = MemoryMarshal.Cast<byte, float>(window.Features);
            features.CopyTo(all.AsSpan(at));
            at += features.Length;
        }
        return all;
    }
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
/// synced before they are answered; labelled windows are pinned and never evicted. A waveform window's probes live in
/// its own document (<see cref="SampleProbeCodec"/>), so one insert and one eviction per window touch one collection's
/// pages: release 1's separate <c>sample_probes</c> documents are moved into them when the store opens.
/// </summary>
public sealed class SampleStore
{
    public const string CountersCollection = "counters", CollectionName = "samples", ProbesCollection = "sample_probes";
    const string Samples = CollectionName;
    /// <summary>Windows held in memory before a batch is written whatever Storage:SampleFlushSeconds says.</summary>
    public const int FlushBatch = 512;
    const int IdBlock = 1000;
    const string IdField = SampleDocuments.IdField, TsField = SampleDocuments.TsField, FeaturesField = SampleDocuments.FeaturesField,
        LabelField = SampleDocuments.LabelField, ProbesField = SampleDocuments.ProbesField;
    readonly StateDatabase _state;
    readonly int _capacity;
    readonly object _gate = new();
    readonly List<BsonDocument> _pending = [];
    long _nextId, _reservedUpTo;
    readonly long _firstIdOfRun;

    public SampleStore(StateDatabase state, int capacity)
    {
        _state = state;
        _capacity = capacity;
        // Release 1 indexed Ts: every batch then rewrote that index's pages too (a quarter of the bytes written per hour)
        // for the few queries by time (a job's claim, a label), which read the 2,000 documents as fast without it.
        bool timeIndexed = state.Database.GetCollection("$indexes").FindAll().Any(i => i["collection"] == Samples && i["name"] == TsField);
        if (timeIndexed) state.Write(db => db.GetCollection(Samples).DropIndex(TsField));
        if (state.Database.CollectionExists(ProbesCollection) && state.Database.GetCollection(ProbesCollection).Count() > 0) state.Write(MoveReleaseOneProbes);
        long stored = state.Database.Counters().FindById("sample")?.Next ?? 1;
        _nextId = _reservedUpTo = _firstIdOfRun = stored;
    }

    /// <summary>Adds a window, with its synthetic fault probes when there are any (kept in its document and evicted with it); returns its sample id.</summary>
    public long Add(ReadOnlySpan<float> features, long ts, ReadOnlySpan<float> probes = default)
    {
        lock (_gate)
        {
            if (_nextId >= _reservedUpTo)
            {
                long reserve = _reservedUpTo = _nextId + IdBlock;
                // The writer runs in order: the reservation commits before any batch that uses its ids.
                _state.Post(db => db.Counters().Upsert(new Counter { Name = "sample", Next = reserve }));
            }
            long id = _nextId++;
            _pending.Add(SampleDocuments.ToDocument(id, ts, MemoryMarshal.AsBytes(features).ToArray(), null, probes.IsEmpty ? null : SampleProbeCodec.Encode(probes, features)));
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
        BsonDocument[] batch = [.. _pending];
        _pending.Clear();
        int capacity = _capacity;
        return db =>
        {
            if (batch.Length == 0) return;
            ILiteCollection<BsonDocument> samples = db.GetCollection(Samples);
            samples.Upsert(batch);
            int excess = samples.Count(Unlabelled) - capacity;
            if (excess > 0)
                foreach (BsonValue old in samples.Query().Where(Unlabelled).OrderBy(IdField).Limit(excess).ToEnumerable().Select(d => d[IdField]).ToList())
                    samples.Delete(old);
        };
    }

    // Values go in as parameters, never into the text: LiteDB compiles and keeps every distinct expression text for good
    // (its Query.EQ/GTE helpers write the value into it, so each new time or label would leak a compiled delegate).
    static BsonExpression Unlabelled => SampleDocuments.Unlabelled;

    /// <summary>Unlabelled (or normal-labelled) windows at or after data time <paramref name="sinceMs"/> or sample id <paramref name="fromId"/>.</summary>
    static BsonExpression InUseSince(long sinceMs, long fromId = long.MaxValue) =>
        BsonExpression.Create("($.Ts >= @0 OR $._id >= @1) AND ($.Label = null OR $.Label = 'normal')", sinceMs, fromId);

    /// <summary>
    /// The data clock was re-anchored by <paramref name="offsetMs"/> (clock_adjusted): every window this process stored
    /// was timed on the old anchor, so its time moves by the same step — in one durable transaction, labels with it — and
    /// a label span given in the corrected time names the right windows. Windows of earlier runs keep their times.
    /// </summary>
    public Task ShiftRunAsync(long offsetMs)
    {
        lock (_gate)
        {
            foreach (BsonDocument pending in _pending) pending[TsField] = pending[TsField].AsInt64 + offsetMs; // not yet written: they go in shifted
            long from = _firstIdOfRun, until = _nextId - _pending.Count; // batches already posted are written before this runs
            return _state.WriteAsync(db =>
            {
                ILiteCollection<BsonDocument> samples = db.GetCollection(Samples);
                foreach (BsonDocument s in samples.Find(BsonExpression.Create("$._id >= @0 AND $._id < @1", from, until)).ToList())
                {
                    s[TsField] = s[TsField].AsInt64 + offsetMs;
                    samples.Update(s);
                }
            }, durable: true);
        }
    }

    /// <summary>Pins the windows of a time span under a label; returns how many were labelled.</summary>
    public async Task<int> LabelAsync(long fromMs, long toMs, string label)
    {
        await FlushAsync();
        int count = 0;
        await _state.WriteAsync(db =>
        {
            ILiteCollection<BsonDocument> samples = db.GetCollection(Samples);
            foreach (BsonDocument s in samples.Find(BsonExpression.Create("$.Ts >= @0 AND $.Ts <= @1", fromMs, toMs)).ToList())
            {
                s[LabelField] = label;
                samples.Update(s);
                count++;
            }
        }, durable: true); // a label is announced (command reply) only once it is on the disk
        return count;
    }

    /// <summary>
    /// The newest unlabelled (or normal-labelled) windows at or after data time <paramref name="sinceMs"/> or sample id
    /// <paramref name="fromId"/>, whichever reaches further back, oldest first.
    /// </summary>
    public IReadOnlyList<SampleRecord> Newest(int count, long sinceMs = long.MinValue, long fromId = long.MaxValue)
    {
        Flush();
        List<SampleRecord> newest = [.. _state.Database.GetCollection(Samples).Query()
            .Where(InUseSince(sinceMs, fromId)).OrderByDescending(IdField).Limit(count).ToEnumerable().Select(SampleDocuments.ToRecord)];
        newest.Reverse();
        return newest;
    }

    public int CountSince(long sinceMs)
    {
        Flush();
        return _state.Database.GetCollection(Samples).Count(InUseSince(sinceMs));
    }

    /// <summary>The stored probes of each window ([k·d] raw features), null where a window has none (or has left the ring).</summary>
    public IReadOnlyList<float[]?> ProbesOf(IReadOnlyList<long> ids)
    {
        Flush();
        ILiteCollection<BsonDocument> samples = _state.Database.GetCollection(Samples);
        return [.. ids.Select(id => samples.FindById(id) is { } document && document[ProbesField] is { IsBinary: true } probes
            ? SampleProbeCodec.Decode(probes.AsBinary, MemoryMarshal.Cast<byte, float>(document[FeaturesField].AsBinary))
            : null)];
    }

    /// <summary>
    /// The windows labelled <paramref name="label"/>, in id order. Every job asks for the fault ones: the scan selects ids
    /// only, so that it does not decode the features of every stored window to find a few (a store of 2,000 spectra:
    /// 3.4 MB allocated per job instead of 7.2).
    /// </summary>
    public IReadOnlyList<SampleRecord> Labelled(string label)
    {
        long[] ids = [.. SampleDocuments.IdsWhere(_state.Database, BsonExpression.Create("$.Label = @0", label))];
        ILiteCollection<BsonDocument> samples = _state.Database.GetCollection(Samples);
        return [.. ids.Select(id => samples.FindById(id)).OfType<BsonDocument>().Select(SampleDocuments.ToRecord)];
    }

    /// <summary>Release 1 kept probes in a collection of their own (float32 bytes by sample id): each goes into its window's document, then they leave it.</summary>
    static void MoveReleaseOneProbes(LiteDatabase db)
    {
        ILiteCollection<BsonDocument> samples = db.GetCollection(Samples), old = db.GetCollection(ProbesCollection);
        foreach (BsonDocument probes in old.FindAll().ToList())
        {
            if (samples.FindById(probes[IdField]) is not { } sample || probes[ProbesField] is not { IsBinary: true } raw) continue;
            ReadOnlySpan<float> features = MemoryMarshal.Cast<byte, float>(sample[FeaturesField].AsBinary);
            float[] values = MemoryMarshal.Cast<byte, float>(raw.AsBinary).ToArray();
            sample[ProbesField] = features.Length > 0 && values.Length % features.Length == 0
                ? SampleProbeCodec.Encode(values, features) : SampleProbeCodec.EncodeRaw(values);
            samples.Update(sample);
        }
        old.DeleteAll(); // in the same transaction (LiteDB drops a collection only outside one): moved whole or not at all
    }
}
