using System.Buffers;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MQTTnet;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;

namespace SensorOdl.Daemon.Mqtt;

/// <summary>
/// Where received commands wait (docs/CONTRACT.md §3 Commands, "Floods"). Admission happens on MQTTnet's receive
/// thread and is cheap: a token bucket (<c>Mqtt:CommandRatePerSecond</c>, <c>Mqtt:CommandBurst</c>, on the monotonic
/// clock of the injected <see cref="TimeProvider"/>) and a byte budget for the backlog (<c>Mqtt:CommandBacklogBytes</c>).
/// An admitted command is never dropped: one worker, off the sensor thread, hands each to the processor, which
/// answers it. What is not admitted is counted, and each throttling episode is reported in one
/// <c>commands_throttled {count, sinceTs, untilTs}</c> event — after <see cref="QuietPeriod"/> without a refusal, or
/// every <see cref="ReportEvery"/> while a flood goes on.
/// </summary>
public sealed class CommandInbox
{
    public static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(10);
    /// <summary>A backlog bound in messages too, so that many tiny commands cannot pile up while the worker is stalled.</summary>
    public const int MaxQueued = 1000;

    readonly Channel<CommandMessage> _queue = Channel.CreateUnbounded<CommandMessage>(new UnboundedChannelOptions { SingleReader = true });
    readonly Channel<bool> _homeAssistantOnline = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    readonly Lock _gate = new();
    readonly double _ratePerSecond;
    readonly double _burst;
    readonly long _budgetBytes;
    readonly IEventSink _events;
    readonly TimeProvider _time;
    readonly ILogger _log;

    double _tokens;
    long _refilledAt;
    long _queuedBytes;
    int _queuedCount;
    long _throttled;
    long _throttledSinceMs, _throttledUntilMs;
    long _episodeStartedAt, _lastThrottledAt;

    public CommandInbox(MqttSettings settings, IEventSink events, TimeProvider time, ILogger log)
    {
        _ratePerSecond = settings.CommandRatePerSecond;
        _burst = settings.CommandBurst;
        _budgetBytes = settings.CommandBacklogBytes;
        _events = events;
        _time = time;
        _log = log;
        _tokens = _burst;
        _refilledAt = time.GetTimestamp();
    }

    /// <summary>Bytes the waiting commands hold now.</summary>
    public long QueuedBytes { get { lock (_gate) return _queuedBytes; } }

    /// <summary>Commands refused since the last <c>commands_throttled</c> event.</summary>
    public long ThrottledPending { get { lock (_gate) return _throttled; } }

    /// <summary>From MQTTnet's receive loop: must be quick and never throw.</summary>
    public void Offer(MqttApplicationMessage message)
    {
        if (message.Topic == Topics.HomeAssistantStatus)
        {
            // Only the word matters; a flood of it collapses into one pending re-publication of discovery.
            if (message.Payload.Length == 6 && message.Payload.ToArray() is [(byte)'o', (byte)'n', (byte)'l', (byte)'i', (byte)'n', (byte)'e'])
                _homeAssistantOnline.Writer.TryWrite(true);
            return;
        }
        long cost = Math.Min(message.Payload.Length, CommandProcessor.MaxPayloadBytes) + (message.CorrelationData?.Length ?? 0);
        if (!TryAdmit(cost)) return;
        CommandMessage command = CommandMessage.From(message);
        Adjust(command.Cost - cost);
        _queue.Writer.TryWrite(command);
    }

    /// <summary>The same for a message already copied out (tests, the fuzz harness).</summary>
    public bool Offer(CommandMessage command)
    {
        if (!TryAdmit(command.Cost)) return false;
        _queue.Writer.TryWrite(command);
        return true;
    }

    bool TryAdmit(long cost)
    {
        long now = _time.GetTimestamp();
        lock (_gate)
        {
            _tokens = Math.Min(_burst, _tokens + _time.GetElapsedTime(_refilledAt, now).TotalSeconds * _ratePerSecond);
            _refilledAt = now;
            if (_tokens >= 1 && _queuedCount < MaxQueued && _queuedBytes + cost <= _budgetBytes)
            {
                _tokens -= 1;
                _queuedBytes += cost;
                _queuedCount++;
                return true;
            }
            long wallMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
            if (_throttled++ == 0)
            {
                _throttledSinceMs = wallMs;
                _episodeStartedAt = now;
            }
            _throttledUntilMs = wallMs;
            _lastThrottledAt = now;
            return false;
        }
    }

    void Adjust(long bytes)
    {
        lock (_gate) _queuedBytes += bytes;
    }

    void Release(CommandMessage command)
    {
        lock (_gate)
        {
            _queuedBytes -= command.Cost;
            _queuedCount--;
        }
    }

    /// <summary>
    /// Emits the pending <c>commands_throttled</c> event when the episode has been quiet for <see cref="QuietPeriod"/>,
    /// has gone on for <see cref="ReportEvery"/>, or <paramref name="force"/>; true when it emitted one.
    /// </summary>
    public bool ReportThrottled(bool force = false)
    {
        long count, since, until;
        lock (_gate)
        {
            if (_throttled == 0) return false;
            long now = _time.GetTimestamp();
            if (!force && _time.GetElapsedTime(_lastThrottledAt, now) < QuietPeriod && _time.GetElapsedTime(_episodeStartedAt, now) < ReportEvery) return false;
            (count, since, until) = (_throttled, _throttledSinceMs, _throttledUntilMs);
            _throttled = 0;
        }
        _log.LogWarning("Command flood: {Count} commands refused unanswered since {Since:o} (Mqtt:CommandRatePerSecond, Mqtt:CommandBurst, Mqtt:CommandBacklogBytes).",
            count, DateTimeOffset.FromUnixTimeMilliseconds(since));
        _events.Emit("commands_throttled", _time.GetUtcNow().ToUnixTimeMilliseconds(),
            new JsonObject { ["count"] = count, ["sinceTs"] = since, ["untilTs"] = until });
        return true;
    }

    /// <summary>
    /// Hands every admitted command to <paramref name="handle"/> in arrival order, one at a time, re-publishes discovery
    /// when Home Assistant comes online, and reports throttling; until cancelled.
    /// </summary>
    public Task RunAsync(Func<CommandMessage, Task> handle, Func<CancellationToken, Task> publishDiscovery, CancellationToken cancellation) =>
        Task.WhenAll(
            Task.Run(() => HandleAllAsync(handle, cancellation), CancellationToken.None),
            Task.Run(() => DiscoveryAsync(publishDiscovery, cancellation), CancellationToken.None),
            Task.Run(() => ReportAsync(cancellation), CancellationToken.None));

    async Task HandleAllAsync(Func<CommandMessage, Task> handle, CancellationToken cancellation)
    {
        try
        {
            await foreach (CommandMessage command in _queue.Reader.ReadAllAsync(cancellation))
            {
                try { await handle(command); }
                catch (Exception e) when (e is not OperationCanceledException) { _log.LogError(e, "Command handling failed."); }
                finally { Release(command); }
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested) { }
    }

    async Task DiscoveryAsync(Func<CancellationToken, Task> publishDiscovery, CancellationToken cancellation)
    {
        try
        {
            await foreach (bool _ in _homeAssistantOnline.Reader.ReadAllAsync(cancellation))
            {
                try { await publishDiscovery(cancellation); }
                catch (Exception e) when (e is not OperationCanceledException) { _log.LogWarning("Re-publishing discovery failed: {Message}", e.Message); }
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested) { }
    }

    async Task ReportAsync(CancellationToken cancellation)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellation)) ReportThrottled();
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested) { }
    }
}
