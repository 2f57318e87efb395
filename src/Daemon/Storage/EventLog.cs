using System.Text.Json;
using System.Text.Json.Nodes;
using LiteDB;
using SensorOdl.Daemon.Storage.Durability;

namespace SensorOdl.Daemon.Storage;

/// <summary>A message waiting for the broker: an event or a command reply.</summary>
public sealed class OutboxMessage
{
    [BsonId(true)] public long Id { get; set; }
    public string Topic { get; set; } = "";
    public string Payload { get; set; } = "";
    public long? Seq { get; set; }
    /// <summary>The event type (null for replies).</summary>
    public string? Type { get; set; }
    public byte[]? CorrelationData { get; set; }
    public long Ts { get; set; }

    /// <summary>Id 0 is left out: the outbox numbers a new message itself (Int64 auto id).</summary>
    internal BsonDocument ToDocument() =>
        new BsonDocument().Set("_id", Id == 0 ? null : Id).Set(nameof(Topic), Topic).Set(nameof(Payload), Payload).Set(nameof(Seq), Seq)
            .Set(nameof(Type), Type).Set(nameof(CorrelationData), CorrelationData).Set(nameof(Ts), Ts);

    internal static OutboxMessage FromDocument(BsonDocument d) => new()
    {
        Id = d.Int64("_id"),
        Topic = d.String(nameof(Topic)) ?? "",
        Payload = d.String(nameof(Payload)) ?? "",
        Seq = d.NullableInt64(nameof(Seq)),
        Type = d.String(nameof(Type)),
        CorrelationData = d.Binary(nameof(CorrelationData)),
        Ts = d.Int64(nameof(Ts)),
    };
}

public sealed class EventRecord
{
    [BsonId] public long Seq { get; set; }
    public long Ts { get; set; }
    public string Type { get; set; } = "";
    public string Json { get; set; } = "";

    internal BsonDocument ToDocument() =>
        new BsonDocument().Set("_id", Seq).Set(nameof(Ts), Ts).Set(nameof(Type), Type).Set(nameof(Json), Json);

    internal static EventRecord FromDocument(BsonDocument d) => new()
    {
        Seq = d.Int64("_id"),
        Ts = d.Int64(nameof(Ts)),
        Type = d.String(nameof(Type)) ?? "",
        Json = d.String(nameof(Json)) ?? "",
    };
}

/// <summary>
/// The event log and the durable outbound queue. Every event gets the next <c>seq</c> for the life of the
/// state directory, is recorded, and is queued for delivery in the same transaction; replies are queued too.
/// The queue is bounded: on overflow the oldest events go and one <c>events_dropped</c> says which.
/// Both live in LiteDB; what is queued is synced before it is handed to the publisher, so a power cut loses no
/// event whose seq was published (docs/RELIABILITY.md).
/// </summary>
public sealed class EventLog
{
    public const string EventsCollection = "events", OutboxCollection = "outbox";
    readonly StateDatabase _state;
    readonly string _eventTopic;
    readonly int _queueLimit;
    long _nextSeq, _lastQueuedId; // touched only on the writer thread after construction
    long _publishableUpTo; // the newest outbox id on the disk: nothing newer is handed out for publishing
    readonly long _firstSeqOfRun;

    public EventLog(StateDatabase state, string eventTopic, int queueLimit)
    {
        _state = state;
        _eventTopic = eventTopic;
        _queueLimit = queueLimit;
        StoredCollection<EventRecord> events = state.Database.Events();
        long floor = state.Database.Counters().FindById(SeqFloorCounter)?.Next ?? 1;
        _nextSeq = Math.Max((events.Count() == 0 ? 0 : events.Documents.Max().AsInt64) + 1, floor);
        _firstSeqOfRun = _nextSeq;
        events.Documents.EnsureIndex("Ts", "$.Ts"); // the name and expression LiteDB gave the index of e => e.Ts
        StoredCollection<OutboxMessage> outbox = state.Database.Outbox();
        _publishableUpTo = _lastQueuedId = outbox.Count() == 0 ? 0 : outbox.Documents.Max().AsInt64; // opening the state synced it
        if (_nextSeq > 1) state.Marks.CoverEventSeq(_nextSeq - 1); // a state of format 1 gets its marks here
        foreach (PendingNotice notice in state.Database.PendingNotices().FindAll().ToList())
            Queue(db =>
            {
                Insert(db, notice.Type, notice.Ts, (JsonObject?)JsonNode.Parse(notice.Fields));
                db.PendingNotices().Delete(notice.Type);
            });
    }

    /// <summary>The counter a rebuilt state starts its seqs from (StateRecovery).</summary>
    public const string SeqFloorCounter = "event_seq";

    /// <summary>Raised (on the writer thread) after messages were queued.</summary>
    public event Action? Queued;

    /// <summary>
    /// Appends an event {seq, ts, type, …fields} without waiting (the pipeline thread never blocks on the disk);
    /// <see cref="Queued"/> follows its commit, a failure goes to <see cref="StateDatabase.WriteFailed"/>.
    /// </summary>
    public void Append(string type, long ts, JsonObject? fields = null) =>
        Queue(db =>
        {
            Insert(db, type, ts, fields);
            DropOverflow(db, ts);
        });

    // Everything queued for the broker is written durably, and handed out for publishing only once it is on the disk:
    // a seq that was published survives a power cut (docs/RELIABILITY.md).
    void Queue(Action<LiteDatabase> write)
    {
        long queued = 0;
        _state.Post(db =>
        {
            write(db);
            queued = _lastQueuedId;
        }, () => Published(queued), durable: true);
    }

    void Published(long queuedUpTo)
    {
        if (queuedUpTo > Volatile.Read(ref _publishableUpTo)) Volatile.Write(ref _publishableUpTo, queuedUpTo);
        RaiseQueued();
    }

    /// <summary>Queues a command reply; completes when it is committed.</summary>
    public async Task EnqueueReplyAsync(string topic, string payload, byte[]? correlationData, long ts)
    {
        long queued = 0;
        await _state.WriteAsync(db =>
        {
            queued = _lastQueuedId = db.Outbox().Insert(new OutboxMessage
            {
                Topic = topic,
                Payload = payload,
                CorrelationData = correlationData,
                Ts = ts,
            }).AsInt64;
        }, durable: true);
        Published(queued);
    }

    void RaiseQueued() => Queued?.Invoke();

    /// <summary>The oldest queued messages, in queue (and so seq) order.</summary>
    public IReadOnlyList<OutboxMessage> Pending(int limit)
    {
        long durable = Volatile.Read(ref _publishableUpTo);
        return [.. _state.Database.Outbox().FirstById(BsonExpression.Create("$._id <= @0", durable), limit)];
    }

    public Task MarkDeliveredAsync(long id) => _state.WriteAsync(db => db.Outbox().Delete(id));

    /// <summary>Removes a delivered batch in one transaction.</summary>
    public Task MarkDeliveredAsync(IReadOnlyCollection<long> ids) => _state.WriteAsync(db =>
    {
        StoredCollection<OutboxMessage> outbox = db.Outbox();
        foreach (long id in ids) outbox.Delete(id);
    });

    /// <summary>
    /// The data clock was re-anchored by <paramref name="offsetMs"/>: the retention time of every event of this process
    /// moves by that step, so a board that booted a year behind does not prune them as a year old. What was published
    /// (the event's JSON, its <c>ts</c>) stays as it was.
    /// </summary>
    public Task ShiftRunAsync(long offsetMs) => _state.WriteAsync(db =>
    {
        StoredCollection<EventRecord> events = db.Events();
        long from = _firstSeqOfRun, until = _nextSeq;
        foreach (EventRecord e in events.Find(BsonExpression.Create("$._id >= @0 AND $._id < @1", from, until)).ToList())
        {
            e.Ts += offsetMs;
            events.Update(e);
        }
    });

    public Task PruneAsync(int retentionDays, long nowMs) => _state.WriteAsync(db =>
    {
        long cutoff = nowMs - retentionDays * 86_400_000L;
        // The newest event always stays: it carries the seq the next one continues from.
        long newest = _nextSeq - 1;
        db.Events().DeleteMany(BsonExpression.Create("$.Ts < @0 AND $._id < @1", cutoff, newest));
    });

    void Insert(LiteDatabase db, string type, long ts, JsonObject? fields)
    {
        long seq = _nextSeq++;
        _state.Marks.CoverEventSeq(seq); // the side file covers a seq before any commit holds it
        var payload = new JsonObject { ["seq"] = seq, ["ts"] = ts, ["type"] = type };
        if (fields is not null)
            foreach ((string key, JsonNode? value) in fields) payload[key] = value?.DeepClone();
        string json = payload.ToJsonString();
        db.Events().Insert(new EventRecord { Seq = seq, Ts = ts, Type = type, Json = json });
        _lastQueuedId = db.Outbox().Insert(new OutboxMessage { Topic = _eventTopic, Payload = json, Seq = seq, Type = type, Ts = ts }).AsInt64;
    }

    // One undelivered `events_dropped` notice covers every drop until it is delivered: later overflows widen it
    // instead of queueing notices that would themselves be dropped.
    void DropOverflow(LiteDatabase db, long ts)
    {
        StoredCollection<OutboxMessage> outbox = db.Outbox();
        OutboxMessage? notice = outbox.FindOne(BsonExpression.Create("$.Type = @0", DroppedType));
        int excess = outbox.Count() - _queueLimit + (notice is null ? 1 : 0);
        if (excess <= 0) return;
        List<OutboxMessage> oldest = [.. outbox.FirstById(BsonExpression.Create("$.Seq != null AND $.Type != @0", DroppedType), excess)];
        if (oldest.Count == 0) return;
        foreach (OutboxMessage m in oldest) outbox.Delete(m.Id);
        long count = oldest.Count, fromSeq = oldest[0].Seq!.Value, toSeq = oldest[^1].Seq!.Value;
        if (notice is null)
        {
            Insert(db, DroppedType, ts, new JsonObject { ["count"] = count, ["fromSeq"] = fromSeq, ["toSeq"] = toSeq });
            return;
        }
        JsonObject payload = (JsonObject)JsonNode.Parse(notice.Payload)!;
        payload["count"] = (long)payload["count"]! + count;
        payload["fromSeq"] = Math.Min((long)payload["fromSeq"]!, fromSeq);
        payload["toSeq"] = Math.Max((long)payload["toSeq"]!, toSeq);
        notice.Payload = payload.ToJsonString();
        outbox.Update(notice);
        StoredCollection<EventRecord> events = db.Events();
        if (events.FindById(notice.Seq!.Value) is { } record)
        {
            record.Json = notice.Payload;
            events.Update(record);
        }
    }

    const string DroppedType = "events_dropped";
}
