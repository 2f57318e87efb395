using System.Text.Json.Nodes;
using SensorOdl.Integration.Tests.Infrastructure;
using static SensorOdl.Integration.Tests.Infrastructure.JsonAssert;

namespace SensorOdl.Integration.Tests;

/// <summary>
/// docs/CONTRACT.md §3 delivery: events go through a durable queue and arrive after a broker outage or a process kill, in
/// `seq` order, each at least once; `seq` increases by one per event for the life of the state directory.
/// </summary>
public sealed class OutboxTests : DaemonTest
{
    // The observer's session (and the QoS 1 events queued in it) must outlive the broker restart, or events the
    // daemon flushes before the observer has resubscribed would be lost to the test, not by the daemon.
    protected override bool PersistentBroker => true;

    /// <summary>
    /// A k-of-n rule of 1-of-1 on a base calibrated for a 30 % false-alarm budget: normal noise turns the anomaly
    /// state on and off several times a second, so events flow on their own, with or without a broker.
    /// </summary>
    static readonly string[] Chatty =
    [
        "Anomaly:RaiseAfter=1", "Anomaly:Window=1", "Anomaly:ClearAfter=1", "Anomaly:FalseAlarmBudget=0.3", "Adaptation:Mode=off",
    ];

    static readonly string[] EventTypes =
    [
        "anomaly", "anomaly_cleared", "drift_detected", "drift_cleared", "training_started", "training_finished", "training_failed",
        "model_promoted", "model_rejected", "model_rolled_back", "command_rejected", "sensor_fault", "sensor_recovered", "events_dropped",
    ];

    [Fact]
    public async Task Events_survive_a_broker_outage_and_a_daemon_kill_in_seq_order_without_gaps()
    {
        string device = NewDevice("outbox");
        string stateDir = NewStateDir(device);
        string events = Topic(device, "events");
        MqttProbe observer = await PersistentProbeAsync($"it-observer-{device}", $"{Prefix}/{device}/#");
        DaemonProcess first = StartDaemon(device, stateDir, Chatty);
        JsonObject status = await WaitMonitoringAsync(observer, device);
        JsonObject modelBefore = observer.On(Topic(device, "model")).Last().Json;
        Assert.Equal(1, Int(modelBefore, "version"));
        await observer.WaitForCountAsync(m => m.Topic == events, 5, TimeSpan.FromSeconds(15), "events from normal noise");

        // 1. Broker outage: the daemon keeps scoring and queueing. The outage lasts until the daemon has noticed it
        // (a failed reconnect) and made 15 events (~3 s of normal noise), however long that takes on a busy machine.
        int eventsBefore = OutputLines(first, EventLogLine), retriesBefore = OutputLines(first, RetryLogLine);
        await Broker.StopAsync();
        long outageStart = NowMs;
        await EventuallyAsync(() => OutputLines(first, RetryLogLine) > retriesBefore && OutputLines(first, EventLogLine) >= eventsBefore + 15, 60,
            "the daemon notices the outage and makes 15 events during it");
        long outageEnd = NowMs;
        await Broker.StartAsync();
        await observer.ReconnectAsync(TimeSpan.FromSeconds(10));
        // Wait until events made after the outage arrive: the backlog is before them in the queue.
        await observer.WaitForAsync(m => m.Topic == events && Num(m.Json, "ts") > outageEnd + 1000, TimeSpan.FromSeconds(40), "events made after the broker came back");
        List<JsonObject> afterOutage = [.. Events(observer, device)];
        int duringOutage = afterOutage.Count(e => Num(e, "ts") > outageStart + 200 && Num(e, "ts") < outageEnd - 200);
        Check(duringOutage >= 3, $"only {duringOutage} events made during the {outageEnd - outageStart} ms outage were delivered afterwards");
        AssertContiguousInOrder(afterOutage, "after the broker outage");
        // Telemetry is not queued: nothing scored during the outage shows up afterwards.
        // (Margins: a message sent just before the stop was delivered before it; right after the reconnect the
        // newest score goes out, which may be a little older than the reconnect.)
        List<long> staleTelemetry = [.. observer.On(Topic(device, "telemetry")).Select(m => (long)Num(m.Json, "ts")).Where(ts => ts > outageStart + 500 && ts < outageEnd - 1000)];
        Check(staleTelemetry.Count == 0, $"{staleTelemetry.Count} telemetry messages scored during the outage were delivered after it");
        Check(!first.HasExited, "the daemon exited during the broker outage");

        // 2. kill -9 and restart on the same state directory, while events flow live again (3 more arrived).
        int live = observer.Mark;
        await observer.WaitForCountAsync(m => m.Topic == events, 3, TimeSpan.FromSeconds(20), "3 more live events before the kill", live);
        await first.KillAsync();
        long lastSeqBeforeKill = Events(observer, device).Max(e => (long)Num(e, "seq"));
        long killedAt = NowMs;
        int mark = observer.Mark;
        DaemonProcess second = StartDaemon(device, stateDir, Chatty);
        JsonObject restartedStatus = await WaitMonitoringAsync(observer, device, mark);
        Received firstAfterRestart = await observer.WaitForAsync(m => m.Topic == events && Num(m.Json, "ts") > killedAt + 1500, TimeSpan.FromSeconds(40), "events made after the restart", mark);
        // A few more behind it, so that anything redelivered or out of order right after the restart is in the list too.
        await observer.WaitForCountAsync(m => m.Topic == events, 3, TimeSpan.FromSeconds(20), "3 more events after the first one made after the restart",
            observer.All().ToList().IndexOf(firstAfterRestart) + 1);

        List<JsonObject> all = [.. Events(observer, device)];
        AssertContiguousInOrder(all, "across the broker outage and the kill -9 + restart");
        foreach (JsonObject e in all)
        {
            Int(e, "seq");
            AssertUnixMs(Num(e, "ts"), "event ts");
            Assert.Contains(Str(e, "type"), EventTypes);
        }
        Check(all.Max(e => (long)Num(e, "seq")) > lastSeqBeforeKill, "no new seq after the restart");
        Assert.Equal(1L, all.Min(e => (long)Num(e, "seq"))); // a fresh state directory starts at 1

        // The model survives the restart: same version, same content id, no retraining.
        Assert.Equal(1, Int(Obj(restartedStatus, "model"), "version"));
        JsonObject modelAfter = observer.On(Topic(device, "model"), mark).Last().Json;
        Assert.Equal(1, Int(modelAfter, "version"));
        Assert.Equal(Str(modelBefore, "id"), Str(modelAfter, "id"));
        Assert.Equal(Num(modelBefore, "createdAt"), Num(modelAfter, "createdAt"));
        Assert.Equal(Str(Obj(status, "model"), "id"), Str(Obj(restartedStatus, "model"), "id"));
        Check(!second.Output.Contains("No model yet"), "the restarted daemon trained a new base instead of loading the registry's version");
    }

    [Fact]
    public async Task Events_queued_during_an_outage_survive_a_kill_of_the_daemon_before_the_broker_returns()
    {
        string device = NewDevice("outbox-kill");
        string stateDir = NewStateDir(device);
        string events = Topic(device, "events");
        MqttProbe observer = await PersistentProbeAsync($"it-observer-{device}", events, Topic(device, "status"), Topic(device, "model"));
        DaemonProcess first = StartDaemon(device, stateDir, Chatty);
        await WaitMonitoringAsync(observer, device);
        await observer.WaitForCountAsync(m => m.Topic == events, 3, TimeSpan.FromSeconds(15), "events from normal noise");

        // Broker away; events pile up in the daemon's queue (16 of them, as the daemon's log says); then the daemon
        // dies hard before it could send them. The log line comes before the event's durable commit, so the newest few
        // may die with the process (on a loaded CI machine 12 logged left only 4 past the first 300 ms).
        int eventsBefore = OutputLines(first, EventLogLine);
        await Broker.StopAsync();
        long outageStart = NowMs;
        await EventuallyAsync(() => OutputLines(first, EventLogLine) >= eventsBefore + 16, 60, "16 events made while the broker is away");
        await first.KillAsync();
        long killedAt = NowMs;
        await Broker.StartAsync();
        await observer.ReconnectAsync(TimeSpan.FromSeconds(10));
        int mark = observer.Mark;
        StartDaemon(device, stateDir, Chatty);
        await WaitMonitoringAsync(observer, device, mark);
        await observer.WaitForAsync(m => m.Topic == events && Num(m.Json, "ts") > killedAt + 1500, TimeSpan.FromSeconds(40), "events made after the restart", mark);

        List<JsonObject> all = [.. Events(observer, device)];
        int queuedBeforeKill = all.Count(e => Num(e, "ts") > outageStart + 300 && Num(e, "ts") < killedAt);
        Check(queuedBeforeKill >= 5, $"only {queuedBeforeKill} of the events made between the broker stop and the kill were delivered by the restarted daemon");
        AssertContiguousInOrder(all, "across an outage ended by kill -9 and a restart");
    }

    [Fact]
    public async Task On_queue_overflow_the_oldest_events_are_dropped_and_events_dropped_says_which()
    {
        string device = NewDevice("overflow");
        string events = Topic(device, "events");
        MqttProbe observer = await PersistentProbeAsync($"it-observer-{device}", events, Topic(device, "status"), Topic(device, "model"));
        DaemonProcess daemon = StartDaemon(device, NewStateDir(device), [.. Chatty, "Mqtt:QueueLimit=10"]);
        await WaitMonitoringAsync(observer, device);
        await observer.WaitForCountAsync(m => m.Topic == events, 3, TimeSpan.FromSeconds(15), "events from normal noise");

        // 16 events made while the broker is away, for a queue of 10. (Not more than needed: the longer the outage,
        // the longer the daemon's doubling reconnect back-off, and so the wait for it to come back.)
        int eventsBefore = OutputLines(daemon, EventLogLine);
        await Broker.StopAsync();
        await EventuallyAsync(() => OutputLines(daemon, EventLogLine) >= eventsBefore + 16, 60, "16 events made while the broker is away (queue limit 10)");
        long outageEnd = NowMs;
        await Broker.StartAsync();
        await observer.ReconnectAsync(TimeSpan.FromSeconds(10));
        await observer.WaitForAsync(m => m.Topic == events && Num(m.Json, "ts") > outageEnd + 1500, TimeSpan.FromSeconds(40), "events made after the broker came back");

        List<JsonObject> all = [.. Events(observer, device)];
        List<JsonObject> dropped = [.. all.Where(e => Str(e, "type") == "events_dropped")];
        Check(dropped.Count > 0, $"no events_dropped after 16 events met a queue of 10: {string.Join(",", all.Select(e => e["seq"]))}");
        foreach (JsonObject d in dropped)
        {
            long from = (long)Num(d, "fromSeq"), to = (long)Num(d, "toSeq");
            Assert.True(to >= from, d.ToJsonString());
            Assert.True(Num(d, "count") >= 1, d.ToJsonString());
        }
        // Every seq from 1 to the newest is either delivered or named by a delivered events_dropped.
        var delivered = all.Select(e => (long)Num(e, "seq")).ToHashSet();
        long max = delivered.Max();
        List<long> unaccounted = [.. Enumerable.Range(1, (int)max).Select(i => (long)i)
            .Where(seq => !delivered.Contains(seq) && !dropped.Any(d => seq >= (long)Num(d, "fromSeq") && seq <= (long)Num(d, "toSeq")))];
        Check(unaccounted.Count == 0,
            $"{unaccounted.Count} seqs neither delivered nor reported by events_dropped: {string.Join(",", unaccounted)}\n" +
            $"events_dropped delivered: {string.Join(" ", dropped.Select(d => d.ToJsonString()))}\ndelivered seqs: {string.Join(",", all.Select(e => e["seq"]))}");
        // What arrives still arrives in seq order.
        long highest = 0;
        foreach (long seq in all.Select(e => (long)Num(e, "seq")))
        {
            Check(seq >= highest || delivered.Contains(seq), $"seq {seq} after {highest}");
            highest = Math.Max(highest, seq);
        }
        Check(!daemon.HasExited, "the daemon exited");
    }

    /// <summary>
    /// At-least-once in seq order: every seq from the first to the last arrived, a seq first appears only after
    /// all smaller ones, and a repeated seq is the same event (never a reused number).
    /// </summary>
    void AssertContiguousInOrder(IReadOnlyList<JsonObject> events, string when)
    {
        var firstSeen = new Dictionary<long, string>();
        long highest = 0;
        foreach (JsonObject e in events)
        {
            long seq = (long)Num(e, "seq");
            string text = e.ToJsonString();
            if (firstSeen.TryGetValue(seq, out string? earlier))
            {
                Check(earlier == text, $"{when}: seq {seq} was used for two different events:\n{earlier}\n{text}");
                continue;
            }
            Check(highest == 0 || seq == highest + 1, $"{when}: seq {seq} arrived for the first time after {highest} (gap or out of order); all seqs: {string.Join(",", events.Select(x => x["seq"]))}");
            firstSeen[seq] = text;
            highest = seq;
        }
        long min = firstSeen.Keys.Min(), max = firstSeen.Keys.Max();
        Check(firstSeen.Count == max - min + 1, $"{when}: {firstSeen.Count} distinct seqs between {min} and {max}");
    }
}
