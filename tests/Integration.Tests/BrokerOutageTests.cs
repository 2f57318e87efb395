using System.Text.Json.Nodes;
using SensorOdl.Integration.Tests.Infrastructure;
using Xunit.Abstractions;
using static SensorOdl.Integration.Tests.Infrastructure.JsonAssert;

namespace SensorOdl.Integration.Tests;

/// <summary>
/// docs/RELIABILITY.md §5: a broker outage while events keep happening — every event arrives once, in `seq` order, with
/// no gap. (OutboxTests checks at-least-once across a short outage and a kill -9; this one a longer outage, with the
/// back-off at its cap, and exactly once for everything made while the broker was away.)
/// </summary>
public sealed class BrokerOutageTests(ITestOutputHelper output) : DaemonTest
{
    // The observer's session (and the QoS 1 events queued in it) must outlive the broker restart, or events the
    // daemon flushes before the observer has resubscribed would be lost to the test, not by the daemon.
    protected override bool PersistentBroker => true;

    /// <summary>A 1-of-1 rule on a 30 % false-alarm budget: normal noise makes anomaly events several times a second, with or without a broker.</summary>
    static readonly string[] Chatty =
    [
        "Anomaly:RaiseAfter=1", "Anomaly:Window=1", "Anomaly:ClearAfter=1", "Anomaly:FalseAlarmBudget=0.3", "Adaptation:Mode=off",
    ];

    [Fact]
    public async Task Every_event_made_during_a_broker_outage_arrives_exactly_once_in_seq_order_after_it()
    {
        string device = NewDevice("outage");
        string events = Topic(device, "events");
        MqttProbe observer = await PersistentProbeAsync($"it-observer-{device}", events, Topic(device, "status"), Topic(device, "model"));
        DaemonProcess daemon = StartDaemon(device, NewStateDir(device), Chatty);
        await WaitMonitoringAsync(observer, device);
        await observer.WaitForCountAsync(m => m.Topic == events, 3, TimeSpan.FromSeconds(15), "events from normal noise");

        // The outage lasts until the daemon has failed 7 reconnects (its back-off at the cap) and made 20 events.
        int eventsBefore = OutputLines(daemon, EventLogLine), retriesBefore = OutputLines(daemon, RetryLogLine);
        await Broker.StopAsync();
        long outageStart = NowMs;
        await EventuallyAsync(() => OutputLines(daemon, RetryLogLine) >= retriesBefore + 7 && OutputLines(daemon, EventLogLine) >= eventsBefore + 20
            && NowMs - outageStart >= BrokerOutage.ExtraMs, BrokerOutage.ExtraMs / 1000.0 + 60, "7 failed reconnects and 20 events while the broker is away");
        long outageEnd = NowMs;
        int madeDuringOutage = OutputLines(daemon, EventLogLine) - eventsBefore;
        await Broker.StartAsync();
        await observer.ReconnectAsync(TimeSpan.FromSeconds(10));
        Received firstLive = await observer.WaitForAsync(m => m.Topic == events && Num(m.Json, "ts") > outageEnd + 1000, TimeSpan.FromSeconds(40),
            "an event made after the broker came back (the backlog is before it in the queue)");
        // A few more behind it, so that anything redelivered or out of order after the backlog is in the list too.
        await observer.WaitForCountAsync(m => m.Topic == events, 3, TimeSpan.FromSeconds(20), "3 more live events", observer.All().ToList().IndexOf(firstLive) + 1);

        List<JsonObject> all = [.. Events(observer, device)];
        // Made after the broker had gone (with a margin for the clocks): never in flight when the connection broke, so
        // no at-least-once repeat is excused — each arrives exactly once, and one seq after the other.
        List<long> madeAway = [.. all.Where(e => Num(e, "ts") > outageStart + 500).Select(e => (long)Num(e, "seq"))];
        string seqs = string.Join(",", all.Select(e => e["seq"]));
        for (int i = 1; i < madeAway.Count; i++)
            Check(madeAway[i] == madeAway[i - 1] + 1, $"seq {madeAway[i]} arrived after {madeAway[i - 1]} (repeat, gap or out of order); all seqs: {seqs}");
        int delivered = all.Count(e => Num(e, "ts") > outageStart + 500 && Num(e, "ts") < outageEnd);
        Check(delivered >= 15, $"only {delivered} events made during the outage arrived (the daemon logged {madeDuringOutage}); all seqs: {seqs}");

        // The whole run: every seq from 1 on, each first seen after all smaller ones; a repeat (QoS 1 at least once,
        // for a message in flight at the broker's stop) only of the very same event made before the outage.
        var firstSeen = new Dictionary<long, string>();
        foreach (JsonObject e in all)
        {
            long seq = (long)Num(e, "seq");
            if (firstSeen.TryGetValue(seq, out string? earlier))
            {
                Check(earlier == e.ToJsonString() && Num(e, "ts") <= outageStart + 500, $"seq {seq} arrived twice: {earlier} / {e.ToJsonString()}");
                continue;
            }
            Check(seq == firstSeen.Count + 1, $"seq {seq} arrived where {firstSeen.Count + 1} was due; all seqs: {seqs}");
            firstSeen[seq] = e.ToJsonString();
        }
        output.WriteLine($"outage {(outageEnd - outageStart) / 1000.0:F1} s: {madeDuringOutage} events made during it, {firstSeen.Count} events (seq 1–{firstSeen.Count}) " +
            $"delivered, {all.Count - firstSeen.Count} repeats");
        Check(!daemon.HasExited, "the daemon exited during the broker outage");
    }
}
