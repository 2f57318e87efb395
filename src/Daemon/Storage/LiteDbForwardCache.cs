using LiteDB;
using SensorOdl.Learning.Caches;

namespace SensorOdl.Daemon.Storage;

/// <summary>
/// The forward cache in the state database, so a retrain after a restart skips the base forward pass too.
/// Entries are keyed by scope (base hash, layout, encoding) and sample id; a different base has another
/// scope and never reads them. Opening a scope loads its entries into memory once (a few hundred bytes
/// each at 4 bits); puts are buffered and written in one transaction per flush. Entries of windows the sample
/// ring has evicted can never be asked for again (ids are not reused): opening a scope and the start-up prune
/// delete them, so the cache stays as bounded as the ring.
/// </summary>
public sealed class LiteDbForwardCacheStore(StateDatabase state) : IForwardCacheStore
{
    public const string CollectionName = "forward_cache";

    public IForwardCache Open(string baseHash, CacheLayout layout, CacheEncoding encoding) =>
        new LiteDbForwardCache(state, $"{baseHash}/{layout.Signature}/{encoding}", new ForwardCacheCodec(layout, encoding));

    /// <summary>Removes every entry whose base is not among the bases still in use, and those of evicted windows.</summary>
    public Task PruneAsync(IReadOnlySet<string> liveBaseHashes) => state.WriteAsync(db =>
    {
        StoredCollection<CacheDocument> entries = db.ForwardCacheEntries();
        foreach (string scope in entries.Documents.Query().Select("{ Scope: $.Scope }").ToEnumerable().Select(d => d["Scope"].AsString).Distinct().ToList())
            if (!liveBaseHashes.Contains(scope.Split('/')[0]))
                entries.DeleteMany(BsonExpression.Create("$.Scope = @0", scope));
        DeleteEvicted(db);
    });

    /// <summary>
    /// Deletes the entries of windows that left the ring: older than its oldest unlabelled window and not a pinned
    /// (labelled) one. With no window stored nothing is known to be evicted and nothing goes. Returns how many went.
    /// </summary>
    internal static int DeleteEvicted(LiteDatabase db)
    {
        if (SampleDocuments.OldestUnlabelledId(db) is not long floor) return 0;
        HashSet<long> pinned = SampleDocuments.LabelledIdsBelow(db, floor);
        StoredCollection<CacheDocument> entries = db.ForwardCacheEntries();
        // Ids first, deletes after: a cursor is not read while its collection changes.
        List<string> evicted = [.. entries.Find(BsonExpression.Create("$.Sample < @0", floor)).Where(e => !pinned.Contains(e.Sample)).Select(e => e.Id)];
        foreach (string id in evicted) entries.Delete(id);
        return evicted.Count;
    }
}

public sealed class CacheDocument
{
    public string Id { get; set; } = "";
    public string Scope { get; set; } = "";
    public long Sample { get; set; }
    public byte[] Data { get; set; } = [];

    internal BsonDocument ToDocument() => new BsonDocument().Set("_id", Id).Set(nameof(Scope), Scope).Set(nameof(Sample), Sample).Set(nameof(Data), Data);

    internal static CacheDocument FromDocument(BsonDocument d) => new()
    {
        Id = d.String("_id") ?? "",
        Scope = d.String(nameof(Scope)) ?? "",
        Sample = d.Int64(nameof(Sample)),
        Data = d.Binary(nameof(Data)) ?? [],
    };
}

sealed class LiteDbForwardCache : IForwardCache
{
    const int FlushEvery = 512;
    readonly StateDatabase _state;
    readonly string _scope;
    readonly InMemoryForwardCache _memory;
    readonly List<CacheDocument> _pending = [];

    public LiteDbForwardCache(StateDatabase state, string scope, ForwardCacheCodec codec)
    {
        _state = state;
        _scope = scope;
        _memory = new InMemoryForwardCache(codec);
        // The writer runs in order: once this is through, earlier fine-tunes' entries are committed.
        state.Write(db => LiteDbForwardCacheStore.DeleteEvicted(db));
        StoredCollection<CacheDocument> entries = Entries(state.Database);
        entries.Documents.EnsureIndex("Scope", "$.Scope"); // the name and expression LiteDB gave the index of e => e.Scope
        foreach (CacheDocument document in entries.Find(BsonExpression.Create("$.Scope = @0", scope)))
            if (document.Data.Length == codec.EncodedSize) _memory.PutEncoded(document.Sample, document.Data);
    }

    public ForwardCacheCodec Codec => _memory.Codec;
    public int Count => _memory.Count;

    public bool TryGet(long sampleId, Span<float> entry) => _memory.TryGet(sampleId, entry);

    public void Put(long sampleId, ReadOnlySpan<float> entry)
    {
        _memory.Put(sampleId, entry);
        _pending.Add(new CacheDocument { Id = $"{_scope}/{sampleId}", Scope = _scope, Sample = sampleId, Data = _memory.Encoded(sampleId).ToArray() });
        if (_pending.Count >= FlushEvery) WritePending();
    }

    // The cache is rebuildable, so a fine-tune does not wait for its entries to reach the disk: the writer
    // thread commits them behind it, and closing the state database drains the writer first.
    public void Flush() => WritePending();

    void WritePending()
    {
        if (_pending.Count == 0) return;
        CacheDocument[] batch = [.. _pending];
        _pending.Clear();
        _state.Post(db => Entries(db).Upsert(batch));
    }

    static StoredCollection<CacheDocument> Entries(LiteDatabase db) => db.ForwardCacheEntries();
}
