using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Mqtt;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;

namespace SensorOdl.Daemon.Tests.Fuzz;

/// <summary>
/// Property: whatever bytes arrive on the command topic, with whatever response topic, correlation data and signature,
/// the processor answers exactly once — an `ok` reply, or a `command_rejected` event (plus a reply when it can be
/// addressed) — never with `internal`, never by throwing, and without keeping memory. Runs on the daemon's own
/// pipeline and a real state database; <see cref="FuzzCases.Count"/> cases (10,000 in CI, `bench/fuzz.sh N` for more).
/// </summary>
[Collection(nameof(CommandFuzzTests))]
public sealed class CommandFuzzTests : IDisposable
{
    const string Key = "fuzz-command-key";
    readonly string _dir = Directory.CreateTempSubdirectory("sensorodl-fuzz-").FullName;
    readonly SimulatedPipeline _rig;
    readonly EventLog _events;
    readonly CountingSink _sink = new();
    readonly CommandProcessor _unsigned, _signed;

    public CommandFuzzTests()
    {
        var settings = new DaemonSettings { Adaptation = new() { MinSamples = 16 }, Storage = new() { SampleIntervalSeconds = 0, SampleCapacity = 64 } };
        _rig = SimulatedPipeline.Start(_dir, settings, seed: 7, trainingWindows: 60);
        _rig.Stream(40); // a few stored windows, so that label and retrain have something to act on
        MonitoringPipeline p = _rig.Pipeline;
        var topics = new Topics("sensorodl", "fuzz");
        _events = new EventLog(_rig.State, topics.Events, queueLimit: 10_000);
        CommandHandlers handlers = _rig.Handlers();
        var seen = new SeenCommands(_rig.State, _rig.Clock.GetUtcNow().ToUnixTimeMilliseconds());
        _unsigned = new CommandProcessor(new SecuritySettings(), topics, _events, _sink, handlers, seen, null, _rig.Clock);
        _events.Queued += () => Interlocked.Increment(ref _replies); // only replies: the processor's events go to _sink
        _signed = new CommandProcessor(new SecuritySettings { AllowUnsignedButton = true }, topics, _events, _sink, handlers, seen, new CommandKeys(Encoding.UTF8.GetBytes(Key), TimeSpan.Zero, _rig.Clock), _rig.Clock);
    }

    public void Dispose()
    {
        _rig.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>One fuzz case: the payload and how it came.</summary>
    public sealed record Case(byte[] Payload, string? ResponseTopic, byte[]? Correlation, int Signing)
    {
        public override string ToString() =>
            $"{Payload.Length} bytes [{Encoding.UTF8.GetString(Payload, 0, Math.Min(Payload.Length, 160))}] response topic {ResponseTopic ?? "-"}, correlation {Correlation?.Length ?? 0} bytes, signing {Signing}";
    }

    static readonly Gen<Case> Cases = Gen.Select(
        HostileGen.Payload,
        Gen.Frequency((6, Gen.Const((string?)null)), (2, Gen.Const((string?)"fuzz/replies")), (1, Gen.OneOf<string?>("a/#", "+", "x/+/y", "", "nul\0l")),
            (1, Gen.Char[' ', '\u07ff'].Array[1, 30].Select(cs => (string?)new string(cs)))), // as MQTTnet decodes it: never a lone surrogate
        Gen.Frequency((3, Gen.Const((byte[]?)null)), (1, Gen.Byte.Array[1, 64].Select(b => (byte[]?)b))),
        Gen.Int[0, 5], // 0–2 unsigned processor; 3 signed without sig, 4 with a wrong one, 5 with the right one
        (payload, topic, correlation, signing) => new Case(payload, topic, correlation, signing));

    CommandMessage MessageOf(Case c)
    {
        string? signature = c.Signing switch
        {
            4 => Convert.ToHexStringLower(SHA256.HashData(c.Payload)),
            5 => Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Key), c.Payload)),
            _ => null,
        };
        var full = new CommandMessage(c.Payload, c.Payload.Length, c.ResponseTopic, c.Correlation, signature);
        // As CommandInbox takes it in: an oversize payload keeps its first 64 KiB.
        return full.Payload.Length <= CommandProcessor.MaxPayloadBytes ? full
            : full with { Payload = full.Payload[..CommandProcessor.MaxPayloadBytes] };
    }

    int _replies, _cases;

    /// <summary>Handles one case and checks it was answered exactly once (an ok reply, or a refusal: the event, and a reply when addressable).</summary>
    async Task CheckAsync(Case c)
    {
        int rejectedBefore = _sink.Rejected, repliesBefore = Volatile.Read(ref _replies);
        CommandProcessor processor = c.Signing >= 3 ? _signed : _unsigned;
        await processor.HandleAsync(MessageOf(c)); // must not throw
        int rejected = _sink.Rejected - rejectedBefore, replies = Volatile.Read(ref _replies) - repliesBefore;
        if (rejected > 1 || replies > 1 || rejected + replies == 0)
            throw new Xunit.Sdk.XunitException($"{rejected} command_rejected events and {replies} replies to one command");
        if (rejected == 1 && _sink.LastCode == "internal") throw new Xunit.Sdk.XunitException($"refused as internal: {_sink.LastMessage}");
        if (rejected == 1 && replies == 0 && (c.Correlation is not null || c.ResponseTopic is not null))
            throw new Xunit.Sdk.XunitException("a refusal with a response topic or correlation data got no reply");
        if (++_cases % 256 == 0 || replies == 1 && c.ResponseTopic is not null) await CheckRepliesAsync(c);
    }

    /// <summary>Empties the outbox (it would slow every write as it grows); the newest reply went where it should.</summary>
    async Task CheckRepliesAsync(Case c)
    {
        IReadOnlyList<OutboxMessage> pending = _events.Pending(1000);
        if (pending.Count == 0) return;
        await _events.MarkDeliveredAsync([.. pending.Select(r => r.Id)]);
        OutboxMessage newest = pending[^1];
        string expected = c.ResponseTopic is { Length: > 0 } t && t.IndexOfAny(['#', '+', '\0']) < 0 ? t : "sensorodl/fuzz/reply";
        if (c.ResponseTopic is not null && newest.Topic != expected) throw new Xunit.Sdk.XunitException($"reply on '{newest.Topic}', expected '{expected}'");
        if (c.ResponseTopic is not null && c.Correlation is not null && !c.Correlation.AsSpan().SequenceEqual(newest.CorrelationData))
            throw new Xunit.Sdk.XunitException("correlation data not echoed");
        JsonNode.Parse(newest.Payload); // a reply is JSON
    }

    [Fact]
    public async Task Every_hostile_command_is_answered_exactly_once_without_internal_errors_or_growing_memory()
    {
        // Warm up (JIT, LiteDB pages, the first job), then measure the managed heap around the run.
        await Cases.SampleAsync(CheckAsync, iter: 200, threads: 1, seed: "0N0XIzNsQ0O2");
        long before = GC.GetTotalMemory(forceFullCollection: true);

        await FuzzCases.RunAsync(Cases, CheckAsync, "commands");

        long after = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(after - before < 64L << 20, $"the managed heap grew by {(after - before) >> 20} MB over the run ({before >> 20} → {after >> 20} MB)");
        Assert.True(_sink.Rejected > 0);
    }

    /// <summary>Counts `command_rejected` events; keeps only the last one.</summary>
    sealed class CountingSink : IEventSink
    {
        public int Rejected;
        public string? LastCode, LastMessage;

        public void Emit(string type, long ts, JsonObject? fields = null)
        {
            if (type != "command_rejected") return;
            Rejected++;
            LastCode = fields?["code"]?.GetValue<string>();
            LastMessage = fields?["message"]?.GetValue<string>();
            fields?.ToJsonString(); // what the event log will do with it: must serialise
        }
    }
}

/// <summary>
/// The fuzz run measures the process's managed heap before and after: test classes running beside it would fill that
/// heap with their own allocations (a CI run saw 69 MB against the 64 MB limit), so it runs alone.
/// </summary>
[CollectionDefinition(nameof(CommandFuzzTests), DisableParallelization = true)]
public sealed class CommandFuzzCollection;
