using LiteDB;
using SensorOdl.Daemon.Storage;
using SensorOdl.Daemon.Storage.Durability;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// The hand-written document mappings (StoredDocuments) against LiteDB's reflection <see cref="BsonMapper"/>, which
/// wrote every state before them: the same bytes written, and what the mapper wrote reads back whole. So a state of the
/// previous release loads, and the previous release can still read a state written now.
/// </summary>
public sealed class StoredDocumentTests
{
    // As StateDatabase configures it.
    static readonly BsonMapper Reflection = new() { TrimWhitespace = false };

    static void SameBytes<T>(T item, Func<T, BsonDocument> toDocument, Func<BsonDocument, T> fromDocument)
    {
        BsonDocument byMapper = Reflection.ToDocument(item);
        Assert.Equal(Json(byMapper), Json(toDocument(item)));
        Assert.Equal(BsonSerializer.Serialize(byMapper), BsonSerializer.Serialize(toDocument(item)));
        T read = fromDocument(byMapper);
        Assert.Equal(BsonSerializer.Serialize(byMapper), BsonSerializer.Serialize(Reflection.ToDocument(read)));
    }

    static string Json(BsonDocument document) => LiteDB.JsonSerializer.Serialize(document);

    [Fact]
    public void Model_version_records_full_and_sparse()
    {
        SameBytes(new ModelVersionRecord
        {
            Version = 7, Id = "abc", ParentVersion = 3, Method = "skip2-lora-q4", CreatedAt = 1_790_000_000_123, BaseHash = "h1", BaseFile = "base-1.sodl",
            AdapterFile = "adapter-7.sodl", AdapterHash = "h7", TrainSamples = 240, Metrics = new() { ["loss"] = 0.125, ["recall"] = double.NaN, ["Zeta"] = -1e300 },
            Reason = "drift", Job = "job-3", Threshold = 0.3333333f, Retired = true,
        }, r => r.ToDocument(), ModelVersionRecord.FromDocument);
        SameBytes(new ModelVersionRecord { Version = 1, Reason = "" }, r => r.ToDocument(), ModelVersionRecord.FromDocument);
    }

    [Fact]
    public void Events_outbox_messages_and_pending_notices()
    {
        SameBytes(new EventRecord { Seq = 42, Ts = 1_790_000_000_000, Type = "anomaly", Json = """{"seq":42}""" }, e => e.ToDocument(), EventRecord.FromDocument);
        SameBytes(new EventRecord { Seq = 1 }, e => e.ToDocument(), EventRecord.FromDocument);
        SameBytes(new OutboxMessage { Id = 9, Topic = "sensorodl/p/reply ", Payload = "{}", Seq = 42, Type = "anomaly", CorrelationData = [1, 2, 3], Ts = 5 },
            m => m.ToDocument(), OutboxMessage.FromDocument);
        SameBytes(new OutboxMessage { Id = 10, Topic = "t", Payload = "", CorrelationData = [] }, m => m.ToDocument(), OutboxMessage.FromDocument);
        SameBytes(new PendingNotice { Type = "state_recovered", Ts = 77, Fields = """{"a":1}""" }, n => n.ToDocument(), PendingNotice.FromDocument);
    }

    [Fact]
    public void A_new_outbox_message_leaves_its_id_to_the_collection()
    {
        BsonDocument document = new OutboxMessage { Topic = "t", Payload = "p", Ts = 1 }.ToDocument();
        Assert.False(document.ContainsKey("_id"));
        using var db = new LiteDatabase(new MemoryStream());
        Assert.Equal(1L, db.Outbox().Insert(new OutboxMessage { Topic = "t" }).AsInt64);
        Assert.Equal(2L, db.Outbox().Insert(new OutboxMessage { Topic = "u" }).AsInt64);
    }

    [Fact]
    public void Pointers_counters_seen_commands_and_forward_cache_entries()
    {
        SameBytes(new RegistryPointer { Version = 4 }, p => p.ToDocument(), RegistryPointer.FromDocument);
        SameBytes(new Counter { Name = "sample", Next = 1_000_000_000_000 }, StoredDocuments.CounterToDocument, StoredDocuments.CounterFromDocument);
        SameBytes(new SeenCommand { Id = "cmd-1", Ts = 12 }, c => c.ToDocument(), SeenCommand.FromDocument);
        SameBytes(new CacheDocument { Id = "h/l/q4/17", Scope = "h/l/q4", Sample = 17, Data = [9, 8, 7] }, e => e.ToDocument(), CacheDocument.FromDocument);
    }

    [Fact]
    public void Sample_windows_unlabelled_and_labelled()
    {
        static BsonDocument ToDocument(SampleRecord r) => SampleDocuments.ToDocument(r.Id, r.Ts, r.Features, r.Label, probes: null);
        SameBytes(new SampleRecord { Id = 7, Ts = 1_790_000_000_000, Features = [1, 2, 3, 4] }, ToDocument, SampleDocuments.ToRecord);
        SameBytes(new SampleRecord { Id = 8, Ts = 5, Features = [], Label = "fault" }, ToDocument, SampleDocuments.ToRecord);
    }

    [Fact]
    public void A_string_is_stored_as_it_is_whatever_the_database_mapper_would_trim()
    {
        // No stored document goes through the mapper any more, so its TrimWhitespace (true by default) no longer matters.
        using var db = new LiteDatabase(new MemoryStream(), new BsonMapper { TrimWhitespace = true });
        BsonValue id = db.Outbox().Insert(new OutboxMessage { Topic = " sensorodl/p/reply ", Payload = " {} " });
        Assert.Equal((" sensorodl/p/reply ", " {} "), db.Outbox().FindById(id) is { } m ? (m.Topic, m.Payload) : default);
    }

    [Fact]
    public void Documents_written_by_the_reflection_mapper_are_found_by_the_hand_written_queries()
    {
        using var db = new LiteDatabase(new MemoryStream(), Reflection);
        // The indexes the previous release created from its LINQ expressions: ensuring them again must not clash.
        db.GetCollection<EventRecord>(EventLog.EventsCollection).EnsureIndex(e => e.Ts);
        db.GetCollection<CacheDocument>(LiteDbForwardCacheStore.CollectionName).EnsureIndex(e => e.Scope);
        db.GetCollection<EventRecord>(EventLog.EventsCollection).Insert([new EventRecord { Seq = 1, Ts = 10, Type = "a" }, new EventRecord { Seq = 2, Ts = 20, Type = "b" }]);
        db.GetCollection<CacheDocument>(LiteDbForwardCacheStore.CollectionName).Insert(new CacheDocument { Id = "s/1", Scope = "s", Sample = 1, Data = [1] });

        Assert.False(db.Events().Documents.EnsureIndex("Ts", "$.Ts"));
        Assert.False(db.ForwardCacheEntries().Documents.EnsureIndex("Scope", "$.Scope"));
        Assert.Equal([2L], db.Events().Find(Query.GT("Ts", 15)).Select(e => e.Seq));
        Assert.Equal([1L], db.ForwardCacheEntries().Find(Query.EQ("Scope", "s")).Select(e => e.Sample));
        Assert.Equal(2L, db.Events().Documents.Max().AsInt64);
    }
}
