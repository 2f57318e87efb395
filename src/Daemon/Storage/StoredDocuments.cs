using LiteDB;
using SensorOdl.Daemon.Storage.Durability;

namespace SensorOdl.Daemon.Storage;

/// <summary>The collections of the state database with their hand-written mappings (no LiteDB reflection).</summary>
static class StoredDocuments
{
    public static StoredCollection<EventRecord> Events(this LiteDatabase db) =>
        new(db.GetCollection(EventLog.EventsCollection), e => e.ToDocument(), EventRecord.FromDocument);

    /// <summary>A message is numbered by the collection (Int64 auto id) when it is inserted.</summary>
    public static StoredCollection<OutboxMessage> Outbox(this LiteDatabase db) =>
        new(db.GetCollection(EventLog.OutboxCollection, BsonAutoId.Int64), m => m.ToDocument(), OutboxMessage.FromDocument);

    public static StoredCollection<ModelVersionRecord> ModelVersions(this LiteDatabase db) =>
        new(db.GetCollection(ModelRegistry.VersionsCollection), v => v.ToDocument(), ModelVersionRecord.FromDocument);

    public static StoredCollection<RegistryPointer> RegistryPointers(this LiteDatabase db) =>
        new(db.GetCollection(ModelRegistry.PointersCollection), p => p.ToDocument(), RegistryPointer.FromDocument);

    public static StoredCollection<SeenCommand> SeenCommandIds(this LiteDatabase db) =>
        new(db.GetCollection(StateArchiveNames.SeenCommandsCollection), c => c.ToDocument(), SeenCommand.FromDocument);

    public static StoredCollection<PendingNotice> PendingNotices(this LiteDatabase db) =>
        new(db.GetCollection(StateRecovery.NoticesCollection), n => n.ToDocument(), PendingNotice.FromDocument);

    public static StoredCollection<CacheDocument> ForwardCacheEntries(this LiteDatabase db) =>
        new(db.GetCollection(LiteDbForwardCacheStore.CollectionName), e => e.ToDocument(), CacheDocument.FromDocument);

    /// <summary>Id blocks and floors (<see cref="Counter"/>, declared with the sample store that uses it most).</summary>
    public static StoredCollection<Counter> Counters(this LiteDatabase db) =>
        new(db.GetCollection(SampleStore.CountersCollection), CounterToDocument, CounterFromDocument);

    internal static BsonDocument CounterToDocument(Counter c) => new BsonDocument().Set("_id", c.Name).Set(nameof(Counter.Next), c.Next);

    internal static Counter CounterFromDocument(BsonDocument d) => new() { Name = d.String("_id") ?? "", Next = d.Int64(nameof(Counter.Next)) };
}
