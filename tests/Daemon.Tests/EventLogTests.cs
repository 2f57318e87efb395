using System.Text.Json.Nodes;
using SensorOdl.Daemon.Storage;

namespace SensorOdl.Daemon.Tests;

/// <summary>The event log and the durable outbound queue (docs/CONTRACT.md §3 Events and Delivery).</summary>
public sealed class EventLogTests : IDisposable
{
    const string Topic = "sensorodl/dev/events";
    readonly string _dir = Directory.CreateTempSubdirectory("sensorodl-eventlog-").FullName;
    StateDatabase _state;

    public EventLogTests() => _state = StateDatabase.Open(_dir);

    public void Dispose()
    {
        _state.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Append is fire-and-forget: an empty write returns once everything posted before it is committed.</summary>
    void Drain() => _state.Write(_ => { });

    void Reopen()
    {
        _state.Dispose();
        _state = StateDatabase.Open(_dir);
    }

    static JsonObject Json(OutboxMessage message) => (JsonObject)JsonNode.Parse(message.Payload)!;

    IReadOnlyList<EventRecord> StoredEvents() => [.. _state.Database.GetCollection<EventRecord>("events").FindAll().OrderBy(e => e.Seq)];

    [Fact]
    public void Events_are_queued_in_append_order_with_seq_ts_type_and_their_fields()
    {
        var log = new EventLog(_state, Topic, queueLimit: 100);
        log.Append("anomaly", 1000, new JsonObject { ["score"] = 2.5, ["threshold"] = 1.0 });
        log.Append("anomaly_cleared", 2000, new JsonObject { ["score"] = 0.5, ["threshold"] = 1.0 });
        log.Append("drift_detected", 3000);
        Drain();

        IReadOnlyList<OutboxMessage> pending = log.Pending(10);
        Assert.Equal([1L, 2L, 3L], pending.Select(m => m.Seq!.Value));
        Assert.Equal(["anomaly", "anomaly_cleared", "drift_detected"], pending.Select(m => m.Type));
        Assert.All(pending, m => Assert.Equal(Topic, m.Topic));
        JsonObject first = Json(pending[0]);
        Assert.Equal(1, (long)first["seq"]!);
        Assert.Equal(1000, (long)first["ts"]!);
        Assert.Equal("anomaly", (string)first["type"]!);
        Assert.Equal(2.5, (double)first["score"]!);
        Assert.Equal([1L, 2L, 3L], StoredEvents().Select(e => e.Seq));
        Assert.Equal(pending[2].Payload, StoredEvents()[2].Json);
        Assert.Equal(2, log.Pending(2).Count);
    }

    [Fact]
    public void Seq_continues_across_a_reopen_of_the_state()
    {
        var log = new EventLog(_state, Topic, 100);
        for (int i = 0; i < 3; i++) log.Append("anomaly", 1000 + i);
        Drain();
        Reopen();

        var reopened = new EventLog(_state, Topic, 100);
        reopened.Append("anomaly_cleared", 5000);
        Drain();
        Assert.Equal([1L, 2L, 3L, 4L], reopened.Pending(10).Select(m => m.Seq!.Value));
        Assert.Equal(4, (long)Json(reopened.Pending(10)[3])["seq"]!);
    }

    [Fact]
    public async Task MarkDelivered_removes_only_that_message_from_the_queue_and_keeps_the_event()
    {
        var log = new EventLog(_state, Topic, 100);
        log.Append("a", 1);
        log.Append("b", 2);
        log.Append("c", 3);
        Drain();
        IReadOnlyList<OutboxMessage> pending = log.Pending(10);

        await log.MarkDeliveredAsync(pending[1].Id);
        Assert.Equal(["a", "c"], log.Pending(10).Select(m => m.Type));
        Assert.Equal(3, StoredEvents().Count);

        // Delivered messages do not come back after a restart.
        Reopen();
        Assert.Equal(["a", "c"], new EventLog(_state, Topic, 100).Pending(10).Select(m => m.Type));
    }

    [Fact]
    public async Task Replies_are_queued_with_their_topic_and_correlation_data_and_without_a_seq()
    {
        var log = new EventLog(_state, Topic, 100);
        log.Append("anomaly", 1);
        byte[] correlation = [1, 2, 3, 250];
        await log.EnqueueReplyAsync("clients/op/inbox", """{"id":"7","ok":true}""", correlation, 42);
        await log.EnqueueReplyAsync("sensorodl/dev/reply", """{"id":"8","ok":true}""", null, 43);
        log.Append("anomaly_cleared", 2);
        Drain();

        IReadOnlyList<OutboxMessage> pending = log.Pending(10);
        Assert.Equal([Topic, "clients/op/inbox", "sensorodl/dev/reply", Topic], pending.Select(m => m.Topic));
        OutboxMessage reply = pending[1];
        Assert.Equal(correlation, reply.CorrelationData);
        Assert.Equal("""{"id":"7","ok":true}""", reply.Payload);
        Assert.Null(reply.Seq);
        Assert.Null(reply.Type);
        Assert.Null(pending[2].CorrelationData);
        // Replies are not events: seq stays gapless.
        Assert.Equal([1L, 2L], pending.Where(m => m.Seq is not null).Select(m => m.Seq!.Value));
    }

    [Fact]
    public async Task Overflow_drops_the_oldest_events_and_one_events_dropped_notice_widens_until_delivered()
    {
        const int limit = 10;
        var log = new EventLog(_state, Topic, limit);
        for (int i = 1; i <= 10; i++) log.Append("e", i);
        Drain();
        // The 10th event filled the queue; its notice made room by dropping event 1.
        IReadOnlyList<OutboxMessage> pending = log.Pending(100);
        Assert.Equal(limit, pending.Count);
        OutboxMessage notice = Assert.Single(pending, m => m.Type == "events_dropped");
        Assert.Equal(11, notice.Seq);
        AssertNotice(notice, count: 1, fromSeq: 1, toSeq: 1);

        for (int i = 11; i <= 14; i++) log.Append("e", i); // seqs 12..15, each overflowing by one
        Drain();
        pending = log.Pending(100);
        Assert.Equal(limit, pending.Count);
        notice = Assert.Single(pending, m => m.Type == "events_dropped");
        Assert.Equal(11, notice.Seq);
        AssertNotice(notice, count: 5, fromSeq: 1, toSeq: 5);
        Assert.Equal([6L, 7L, 8L, 9L, 10L, 11L, 12L, 13L, 14L, 15L], pending.Select(m => m.Seq!.Value));
        // The event log holds the widened notice too.
        Assert.Equal(notice.Payload, StoredEvents().Single(e => e.Seq == 11).Json);

        // Once the notice is delivered, the next overflow starts a new one.
        await log.MarkDeliveredAsync(notice.Id);
        log.Append("e", 15); // seq 16: the queue is full again (9 + 1) and needs room for a new notice: drops 6, notice 17
        Drain();
        pending = log.Pending(100);
        Assert.Equal(limit, pending.Count);
        notice = Assert.Single(pending, m => m.Type == "events_dropped");
        Assert.Equal(17, notice.Seq);
        AssertNotice(notice, count: 1, fromSeq: 6, toSeq: 6);
    }

    static void AssertNotice(OutboxMessage notice, long count, long fromSeq, long toSeq)
    {
        JsonObject json = Json(notice);
        Assert.Equal("events_dropped", (string)json["type"]!);
        Assert.Equal(notice.Seq, (long)json["seq"]!);
        Assert.Equal((count, fromSeq, toSeq), ((long)json["count"]!, (long)json["fromSeq"]!, (long)json["toSeq"]!));
    }

    [Fact]
    public async Task Overflow_never_drops_replies()
    {
        var log = new EventLog(_state, Topic, queueLimit: 10);
        for (int i = 0; i < 10; i++) await log.EnqueueReplyAsync("r", $"reply {i}", null, i);
        log.Append("e", 100);
        log.Append("e", 101);
        Drain();

        IReadOnlyList<OutboxMessage> pending = log.Pending(100);
        Assert.Equal(10, pending.Count(m => m.Topic == "r"));
        OutboxMessage notice = Assert.Single(pending, m => m.Type == "events_dropped");
        Assert.Equal(2, (long)Json(notice)["count"]!);
    }

    [Fact]
    public async Task Prune_removes_old_events_but_keeps_recent_ones_and_the_newest_so_seq_continues()
    {
        const long day = 86_400_000L;
        long now = 100 * day;
        var log = new EventLog(_state, Topic, 100);
        log.Append("old", now - 40 * day);    // 1: pruned
        log.Append("recent", now - 2 * day);  // 2: kept (within 30 days)
        log.Append("old", now - 31 * day);    // 3: pruned
        log.Append("old", now - 50 * day);    // 4: the newest: kept although old
        Drain();

        await log.PruneAsync(retentionDays: 30, now);
        Assert.Equal([2L, 4L], StoredEvents().Select(e => e.Seq));
        // Pruning the log does not touch the queue.
        Assert.Equal(4, log.Pending(10).Count);

        Reopen();
        var reopened = new EventLog(_state, Topic, 100);
        reopened.Append("next", now);
        Drain();
        Assert.Equal(5, StoredEvents()[^1].Seq);
    }

    [Fact]
    public async Task Queued_is_raised_after_the_message_is_committed()
    {
        var log = new EventLog(_state, Topic, 100);
        var seenAtRaise = new List<int>();
        log.Queued += () => { lock (seenAtRaise) seenAtRaise.Add(log.Pending(100).Count); };

        log.Append("a", 1);
        Drain();
        lock (seenAtRaise) Assert.Equal([1], seenAtRaise);

        await log.EnqueueReplyAsync("r", "{}", null, 2);
        lock (seenAtRaise) Assert.Equal([1, 2], seenAtRaise);
    }
}
