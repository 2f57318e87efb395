using System.Text.Json.Nodes;
using LiteDB;
using SensorOdl.Daemon.Storage;
using SensorOdl.Daemon.Storage.Durability;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.FineTuning;

namespace SensorOdl.Daemon.Tests;

/// <summary>docs/RELIABILITY.md: a state database that cannot be opened is moved aside; numbering continues; the last good model runs.</summary>
public sealed class StateRecoveryTests : IDisposable
{
    const string Topic = "sensorodl/recovery/events";
    static readonly AnomalyModel Base = TinyModels.Base(seed: 5);
    readonly string _dir = Directory.CreateTempSubdirectory("sensorodl-recovery-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static async Task<long> PublishedSeqAsync(EventLog log, string type)
    {
        for (int i = 0; i < 500; i++)
        {
            if (log.Pending(1000).LastOrDefault(m => m.Type == type) is { Seq: long seq }) return seq;
            await Task.Delay(10);
        }
        throw new TimeoutException($"{type} was never handed out for publishing");
    }

    // Versions 1 (base) and 2 (adapted, active), three events, a label, a seen command id.
    async Task<long> WriteStateAsync()
    {
        using StateDatabase state = StateDatabase.Open(_dir);
        var registry = new ModelRegistry(state, _dir);
        ModelVersionRecord first = registry.AddBase(Base, "first start", 40);
        registry.AddAdapted(TinyModels.Adapted(Base, 3), first.Version, "drift", 40, null, null, activate: true);
        var events = new EventLog(state, Topic, 100);
        for (int i = 0; i < 3; i++) events.Append("model_promoted", 1000 + i);
        var samples = new SampleStore(state, 100);
        for (int i = 0; i < 10; i++) samples.Add(new float[TinyModels.Features], 1000 + i);
        await samples.LabelAsync(1000, 1005, "fault");
        Assert.True(new SeenCommands(state, 1000).TryRecord("cmd-1", 1000));
        return await PublishedSeqAsync(events, "model_promoted");
    }

    void FlipHeaderByte()
    {
        string data = Path.Combine(_dir, StateDatabase.FileName);
        using var file = new FileStream(data, FileMode.Open, FileAccess.ReadWrite);
        file.Position = 32 + 3; // inside the header page's "** This is a LiteDB file **"
        int b = file.ReadByte();
        file.Position = 32 + 3;
        file.WriteByte((byte)(b ^ 0x10));
    }

    [Fact]
    public async Task An_unopenable_state_is_moved_aside_and_numbering_continues_from_the_marks_with_the_last_good_model()
    {
        long lastSeq = await WriteStateAsync();
        FlipHeaderByte();

        using (StateDatabase state = StateDatabase.Open(_dir))
        {
            Assert.NotNull(state.Recovery);
            Assert.Single(Directory.GetFiles(_dir, "sensorodl.db.broken-*"));

            var events = new EventLog(state, Topic, 100);
            OutboxMessage recovered = (await WaitForAsync(events, "state_recovered"))!;
            var fields = (JsonObject)JsonNode.Parse(recovered.Payload)!;
            Assert.True(recovered.Seq > lastSeq, $"state_recovered has seq {recovered.Seq}, seq {lastSeq} was published before");
            Assert.Equal(["events", "labels", "samples", "seenCommandIds", "forwardCache", "otherModelVersions"], fields["lost"]!.AsArray().Select(n => n!.GetValue<string>()));
            Assert.Equal(2, fields["restoredVersion"]!.GetValue<int>());
            Assert.Equal(3, fields["modelVersionFrom"]!.GetValue<int>());
            Assert.StartsWith("sensorodl.db.broken-", fields["movedTo"]!.GetValue<string>());

            var registry = new ModelRegistry(state, _dir);
            Assert.Equal(2, registry.ActiveVersion);
            Assert.Equal([2], registry.List().Select(v => v.Version));
            AnomalyModel restored = registry.Load(registry.Active!, new FineTuneOptions());
            Assert.Equal(TinyModels.Fingerprint(TinyModels.Adapted(Base, 3)), TinyModels.Fingerprint(restored));
            ModelVersionRecord next = registry.AddAdapted(TinyModels.Adapted(Base, 4), 2, "drift", 40, null, null, activate: true);
            Assert.Equal(3, next.Version); // version 1 and 2 were handed out before: never again

            events.Append("after_recovery", 2000);
            OutboxMessage after = (await WaitForAsync(events, "after_recovery"))!;
            Assert.Equal(recovered.Seq + 1, after.Seq);

            Assert.Empty(new SampleStore(state, 100).Labelled("fault")); // lost, and said so in the event
            Assert.True(new SeenCommands(state, 1000).TryRecord("cmd-1", 1000));
        }

        // The next start is an ordinary one: no second recovery, no second event, the seqs go on.
        using (StateDatabase state = StateDatabase.Open(_dir))
        {
            Assert.Null(state.Recovery);
            var events = new EventLog(state, Topic, 100);
            Assert.Single(events.Pending(1000), m => m.Type == "state_recovered");
            Assert.Equal(3, new ModelRegistry(state, _dir).ActiveVersion);
        }
    }

    static async Task<OutboxMessage?> WaitForAsync(EventLog events, string type)
    {
        for (int i = 0; i < 500; i++)
        {
            if (events.Pending(1000).FirstOrDefault(m => m.Type == type) is { } found) return found;
            await Task.Delay(10);
        }
        return null;
    }

    [Fact]
    public async Task Without_marks_an_unopenable_state_still_starts_empty_instead_of_failing_every_start()
    {
        await WriteStateAsync();
        File.Delete(Path.Combine(_dir, HighWaterMarks.FileName));
        FlipHeaderByte();
        using StateDatabase state = StateDatabase.Open(_dir);
        Assert.NotNull(state.Recovery);
        Assert.Null(new ModelRegistry(state, _dir).ActiveVersion); // no record of a good model: a first start
    }

    [Fact]
    public void A_state_left_by_the_previous_release_with_commits_only_in_its_LiteDB_log_keeps_them()
    {
        string legacy = Directory.CreateTempSubdirectory("sensorodl-legacy-").FullName;
        try
        {
            // The previous release opened LiteDB on the file name: commits sit in sensorodl-log.db until a checkpoint.
            using (var db = new LiteDatabase(new ConnectionString { Filename = Path.Combine(legacy, StateDatabase.FileName), Connection = ConnectionType.Direct }))
            {
                db.Pragma("CHECKPOINT", 0);
                db.GetCollection<EventRecord>("events").Insert(new EventRecord { Seq = 41, Ts = 1, Type = "old", Json = "{\"seq\":41}" });
                foreach (string name in new[] { StateDatabase.FileName, LegacyLog.FileName }) // a copy taken as if the power went now
                    File.Copy(Path.Combine(legacy, name), Path.Combine(_dir, name));
            }
            using StateDatabase state = StateDatabase.Open(_dir);
            Assert.False(File.Exists(Path.Combine(_dir, LegacyLog.FileName)));
            var events = new EventLog(state, Topic, 100);
            Assert.Equal("{\"seq\":41}", state.Database.GetCollection<EventRecord>("events").FindById(41)!.Json);
            Assert.True(state.Marks.Current.EventSeqReserved >= 41);
            events.Append("new", 2);
        }
        finally
        {
            Directory.Delete(legacy, recursive: true);
        }
    }
}
