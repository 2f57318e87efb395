using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MQTTnet;
using Microsoft.Extensions.Logging.Abstractions;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Host;
using SensorOdl.Daemon.Mqtt;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Daemon.Tests.Clock;

namespace SensorOdl.Daemon.Tests.Secrets;

/// <summary>
/// A rotated command key (docs/RELIABILITY.md §3): the new key works at once, the previous one for
/// Security:KeyOverlapMinutes of monotonic time (a wall clock that jumps a year changes nothing), then `unauthorized`.
/// </summary>
public sealed class KeyRotationTests : IDisposable
{
    static readonly DateTimeOffset Build = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
    static readonly byte[] OldKey = Encoding.UTF8.GetBytes("old-0123456789abcdef0123456789abcdef");
    static readonly byte[] NewKey = Encoding.UTF8.GetBytes("new-fedcba9876543210fedcba9876543210");
    readonly string _dir = Directory.CreateTempSubdirectory("sensorodl-keys-").FullName;
    int _next;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_previous_key_is_accepted_inside_the_overlap_and_unauthorized_after_it()
    {
        var wall = new JumpingTimeProvider(Build.AddDays(30));
        var clock = new AnchoredClock(wall, new ClockPlausibility(false, Build, () => true));
        var keys = new CommandKeys(OldKey, TimeSpan.FromMinutes(60), clock);
        using SimulatedPipeline rig = SimulatedPipeline.Start(Path.Combine(_dir, "state"), new DaemonSettings(), seed: 3, trainingWindows: 64);
        var events = new EventRecorder();
        var topics = new Topics("sensorodl", "t");
        var handlers = new CommandHandlers(new LiveSettings(new DaemonSettings()), rig.Pipeline.Status, rig.Pipeline.Stores.Registry,
            rig.Pipeline.Stores.Samples, events, rig.Pipeline.Model, rig.Pipeline.Adaptation, () => 0, clock);
        var processor = new CommandProcessor(new SecuritySettings { CommandKeyFile = "key" }, topics, new EventLog(rig.State, topics.Events, 100),
            events, handlers, new SeenCommands(rig.State, clock.GetUtcNow().ToUnixTimeMilliseconds()), keys, clock);

        Assert.Null(await Send(processor, events, clock, OldKey));
        Assert.True(keys.Rotate(NewKey));
        Assert.False(keys.Rotate(NewKey)); // the same key again is no rotation

        wall.Advance(TimeSpan.FromMinutes(59));
        wall.Jump(-TimeSpan.FromDays(365)); // the wall clock jumps: the overlap runs on monotonic time
        Assert.NotNull(clock.Check());
        Assert.Null(await Send(processor, events, clock, NewKey));
        Assert.Null(await Send(processor, events, clock, OldKey)); // inside the overlap

        wall.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("unauthorized", await Send(processor, events, clock, OldKey)); // the overlap has ended
        Assert.Null(await Send(processor, events, clock, NewKey));
        Assert.Equal("unauthorized", await Send(processor, events, clock, Encoding.UTF8.GetBytes("a-key-never-configured")));
    }

    [Fact]
    public void A_changed_key_file_is_reloaded_once_and_named_but_never_shown_in_the_event()
    {
        string keyFile = Path.Combine(_dir, "command.key");
        File.WriteAllText(keyFile, Encoding.UTF8.GetString(OldKey) + "\n");
        var settings = new DaemonSettings { Security = new SecuritySettings { CommandKeyFile = keyFile, KeyOverlapMinutes = 5 } };
        var clock = new JumpingTimeProvider(Build.AddDays(30));
        var keys = new CommandKeys(OldKey, TimeSpan.FromMinutes(5), clock);
        var events = new EventRecorder();
        var reloader = new SecretsReloader(settings, link: null, keys, events, clock, NullLogger.Instance);
        byte[] payload = Encoding.UTF8.GetBytes("{}");

        Assert.Empty(reloader.Reload(readAll: true)); // nothing changed yet
        File.WriteAllText(keyFile, "\n" + Encoding.UTF8.GetString(NewKey) + "  \n");
        Assert.Equal([SecretsReloader.CommandKey], reloader.Reload(readAll: false));
        Assert.Empty(reloader.Reload(readAll: false));
        Assert.Equal(KeyMatch.Current, keys.Verify(payload, CommandSignature.Sign(NewKey, payload)));
        Assert.Equal(KeyMatch.Previous, keys.Verify(payload, CommandSignature.Sign(OldKey, payload)));

        File.WriteAllText(keyFile, "   \n"); // a half-written rotation: the key in use stays
        Assert.Empty(reloader.Reload(readAll: true));
        Assert.Equal(KeyMatch.Current, keys.Verify(payload, CommandSignature.Sign(NewKey, payload)));

        (string type, _, JsonObject? fields) = Assert.Single(events.Events);
        Assert.Equal("secrets_reloaded", type);
        Assert.Equal("""{"what":["commandKey"],"keyOverlapMinutes":5}""", fields!.ToJsonString());
    }

    async Task<string?> Send(CommandProcessor processor, EventRecorder events, TimeProvider clock, byte[] key)
    {
        string id = $"c{++_next}";
        byte[] bytes = Encoding.UTF8.GetBytes($"{{\"id\":\"{id}\",\"command\":\"status\",\"ts\":{clock.GetUtcNow().ToUnixTimeMilliseconds()}}}");
        await processor.HandleAsync(new MqttApplicationMessageBuilder().WithTopic("sensorodl/t/cmd").WithPayload(bytes)
            .WithUserProperty("sig", Encoding.UTF8.GetBytes(Convert.ToHexStringLower(HMACSHA256.HashData(key, bytes)))).Build());
        return events.Events.Where(e => e.Type == "command_rejected" && (string?)e.Fields!["id"] == id).Select(e => (string?)e.Fields!["code"]).SingleOrDefault();
    }
}
