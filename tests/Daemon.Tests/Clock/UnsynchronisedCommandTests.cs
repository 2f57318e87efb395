using System.Security.Cryptography;
using System.Text;
using MQTTnet;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Mqtt;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;

namespace SensorOdl.Daemon.Tests.Clock;

/// <summary>A signed command whose ts cannot be judged by a clock not yet synchronised gets its own code, not unauthorized.</summary>
public sealed class UnsynchronisedCommandTests : IDisposable
{
    static readonly DateTimeOffset Build = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
    static readonly byte[] Key = Encoding.UTF8.GetBytes("0123456789abcdef0123456789abcdef");
    readonly string _state = Directory.CreateTempSubdirectory("sensorodl-unsync-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    [Fact]
    public async Task A_stale_signed_command_is_clock_unsynchronised_before_the_clock_is_plausible_and_unauthorized_after()
    {
        var wall = new JumpingTimeProvider(Build - TimeSpan.FromDays(3 * 365)); // a board that booted in the past
        var clock = new AnchoredClock(wall, new ClockPlausibility(false, Build, () => false));
        using SimulatedPipeline rig = SimulatedPipeline.Start(_state, new DaemonSettings(), seed: 3, trainingWindows: 64);
        var events = new EventRecorder();
        var topics = new Topics("sensorodl", "t");
        var handlers = new CommandHandlers(new LiveSettings(new DaemonSettings()), rig.Pipeline.Status, rig.Pipeline.Stores.Registry,
            rig.Pipeline.Stores.Samples, events, rig.Pipeline.Model, rig.Pipeline.Adaptation, () => 0, clock);
        var processor = new CommandProcessor(new SecuritySettings { CommandKeyFile = "key" }, topics, new EventLog(rig.State, topics.Events, 100),
            events, handlers, new SeenCommands(rig.State, clock.GetUtcNow().ToUnixTimeMilliseconds()), new CommandKeys(Key, TimeSpan.Zero, clock), clock);
        long operatorNow = Build.AddDays(10).ToUnixTimeMilliseconds(); // the operator's clock is right

        await processor.HandleAsync(Signed($"{{\"id\":\"c1\",\"command\":\"status\",\"ts\":{operatorNow}}}"));
        Assert.Equal("clock_unsynchronised", Rejection(events, "c1"));

        wall.Jump(Build.AddDays(10) - wall.GetUtcNow()); // NTP
        Assert.NotNull(clock.Check());
        await processor.HandleAsync(Signed($"{{\"id\":\"c2\",\"command\":\"status\",\"ts\":{operatorNow}}}"));
        Assert.Null(Rejection(events, "c2"));
        await processor.HandleAsync(Signed($"{{\"id\":\"c3\",\"command\":\"status\",\"ts\":{operatorNow - 3_600_000}}}"));
        Assert.Equal("unauthorized", Rejection(events, "c3"));
    }

    static string? Rejection(EventRecorder events, string id) =>
        events.Events.Where(e => e.Type == "command_rejected" && (string?)e.Fields!["id"] == id).Select(e => (string?)e.Fields!["code"]).SingleOrDefault();

    static MqttApplicationMessage Signed(string payload)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(payload);
        return new MqttApplicationMessageBuilder().WithTopic("sensorodl/t/cmd").WithPayload(bytes)
            .WithUserProperty("sig", Encoding.UTF8.GetBytes(Convert.ToHexStringLower(HMACSHA256.HashData(Key, bytes)))).Build();
    }
}
