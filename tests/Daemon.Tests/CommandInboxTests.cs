using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Mqtt;
using SensorOdl.Daemon.Pipeline;

namespace SensorOdl.Daemon.Tests;

/// <summary>docs/CONTRACT.md §3 Floods: the token bucket, the backlog's byte budget and the one `commands_throttled` per episode, on a fake clock.</summary>
public sealed class CommandInboxTests
{
    readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch.AddYears(56));
    readonly EventRecorder _events = new();

    CommandInbox Inbox(double rate = 10, int burst = 5, long backlog = 1 << 20) =>
        new(new MqttSettings { CommandRatePerSecond = rate, CommandBurst = burst, CommandBacklogBytes = backlog }, _events, _time, NullLogger.Instance);

    static CommandMessage Command(int size = 40) => new(Encoding.UTF8.GetBytes(new string('x', size)), size, null, null, null);

    IReadOnlyList<JsonObject?> Throttled => [.. _events.Events.Where(e => e.Type == "commands_throttled").Select(e => e.Fields)];

    [Fact]
    public void A_burst_is_admitted_the_rest_is_counted_and_the_bucket_refills_at_the_rate()
    {
        CommandInbox inbox = Inbox(rate: 10, burst: 5);
        long start = _time.GetUtcNow().ToUnixTimeMilliseconds();
        Assert.Equal(5, Enumerable.Range(0, 20).Count(_ => inbox.Offer(Command())));
        Assert.Equal(15, inbox.ThrottledPending);

        _time.Advance(TimeSpan.FromMilliseconds(300)); // 3 tokens
        Assert.Equal(3, Enumerable.Range(0, 10).Count(_ => inbox.Offer(Command())));
        Assert.Equal(22, inbox.ThrottledPending);

        // One event per episode: not while refusals go on, once the flood has been quiet for a second.
        Assert.False(inbox.ReportThrottled());
        _time.Advance(CommandInbox.QuietPeriod);
        Assert.True(inbox.ReportThrottled());
        Assert.False(inbox.ReportThrottled());
        JsonObject fields = Assert.Single(Throttled)!;
        Assert.Equal(22, (long)fields["count"]!);
        Assert.Equal(start, (long)fields["sinceTs"]!);
        Assert.Equal(start + 300, (long)fields["untilTs"]!);
    }

    [Fact]
    public void A_flood_that_goes_on_is_reported_every_interval_not_per_command()
    {
        CommandInbox inbox = Inbox(rate: 1, burst: 1);
        for (int ms = 0; ms < 25_000; ms += 50)
        {
            inbox.Offer(Command());
            inbox.ReportThrottled();
            _time.Advance(TimeSpan.FromMilliseconds(50));
        }
        _time.Advance(CommandInbox.QuietPeriod);
        inbox.ReportThrottled();
        // 500 offers over 24.95 s, 1 + 24 admitted by the bucket; two 10 s reports and the rest when it ended.
        Assert.Equal(3, Throttled.Count);
        Assert.Equal(500 - 25, Throttled.Sum(f => (long)f!["count"]!));
    }

    [Fact]
    public async Task The_backlog_holds_at_most_its_byte_budget_and_admitted_commands_are_all_handled_in_order()
    {
        CommandInbox inbox = Inbox(rate: 1000, burst: 1000, backlog: 256 * 1024);
        // Oversize payloads are held as their first 64 KiB: four fit, the fifth is refused however many tokens there are.
        CommandMessage big = Command(CommandProcessor.MaxPayloadBytes) with { Length = 1 << 20 };
        Assert.Equal(4, Enumerable.Range(0, 6).Count(_ => inbox.Offer(big)));
        Assert.Equal(4L * CommandProcessor.MaxPayloadBytes, inbox.QueuedBytes);
        Assert.Equal(2, inbox.ThrottledPending);

        var handled = new List<long>();
        var all = new TaskCompletionSource();
        using var stop = new CancellationTokenSource();
        Task run = inbox.RunAsync(c =>
        {
            lock (handled) handled.Add(c.Length);
            if (handled.Count == 4 + 10) all.TrySetResult();
            return Task.CompletedTask;
        }, _ => Task.CompletedTask, stop.Token);
        await Eventually(() => inbox.QueuedBytes == 0); // handled: the budget is free again
        for (int i = 0; i < 10; i++) Assert.True(inbox.Offer(Command(100 + i)));
        await all.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([.. Enumerable.Repeat(1L << 20, 4), .. Enumerable.Range(100, 10).Select(i => (long)i)], handled);
        await Eventually(() => inbox.QueuedBytes == 0);
        stop.Cancel();
        await run;
    }

    static async Task Eventually(Func<bool> condition)
    {
        for (int i = 0; i < 1000 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition());
    }
}
