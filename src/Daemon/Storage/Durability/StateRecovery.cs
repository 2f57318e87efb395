using System.Security.Cryptography;
using System.Text.Json.Nodes;
using LiteDB;

namespace SensorOdl.Daemon.Storage.Durability;

/// <summary>What a state recovery did, told once in a <c>state_recovered</c> event.</summary>
public sealed record StateRecoveryReport(string MovedTo, string Error, long EventSeqFrom, int ModelVersionFrom, int? RestoredVersion)
{
    /// <summary>What the moved-aside database held and the new one does not.</summary>
    public static readonly string[] Lost = ["events", "labels", "samples", "seenCommandIds", "forwardCache", "otherModelVersions"];

    /// <summary>When the state was moved aside, Unix ms.</summary>
    public long At { get; init; }
    /// <summary>The record re-registered as active (its files verified), else null.</summary>
    public ModelVersionRecord? Active { get; init; }

    public JsonObject ToEventFields() => new()
    {
        ["movedTo"] = MovedTo,
        ["error"] = Error,
        ["lost"] = new JsonArray([.. Lost.Select(l => (JsonNode)l)]),
        ["eventSeqFrom"] = EventSeqFrom,
        ["modelVersionFrom"] = ModelVersionFrom,
        ["restoredVersion"] = RestoredVersion,
    };
}

/// <summary>A notice the next <see cref="EventLog"/> turns into an event (in the same transaction that removes it).</summary>
public sealed class PendingNotice
{
    [BsonId] public string Type { get; set; } = "";
    public long Ts { get; set; }
    public string Fields { get; set; } = "{}";

    internal BsonDocument ToDocument() => new BsonDocument().Set("_id", Type).Set(nameof(Ts), Ts).Set(nameof(Fields), Fields);

    internal static PendingNotice FromDocument(BsonDocument d) =>
        new() { Type = d.String("_id") ?? "", Ts = d.Int64(nameof(Ts)), Fields = d.String(nameof(Fields)) ?? "{}" };
}

/// <summary>
/// A state database that cannot be opened at all (a bit-flip in its header page) is moved aside, never retried in a
/// restart loop: a new one starts with its event seq and model version after the high-water marks of the synced
/// side file (no number is ever reused), the active model of the marks re-registered when its files still verify
/// (else the daemon starts as on a first start), and a <c>state_recovered</c> notice for the event log.
/// </summary>
public static class StateRecovery
{
    public const string NoticesCollection = "notices";

    /// <summary>Damage to the file's content, as opposed to a disk that cannot be read or written at all.</summary>
    public static bool IsDamage(Exception e) =>
        e is LiteException or InvalidDataException or EndOfStreamException or InvalidCastException or IndexOutOfRangeException or ArgumentException or OverflowException;

    public static StateRecoveryReport MoveAside(IStorageFiles files, string stateDirectory, Exception error, TimeProvider time)
    {
        DateTimeOffset now = time.GetUtcNow();
        string suffix = $".broken-{now:yyyyMMdd'T'HHmmss'Z'}";
        foreach (string name in new[] { StateDatabase.FileName, StateDatabase.LogFileName, StateDatabase.JournalFileName })
        {
            string path = Path.Combine(stateDirectory, name);
            if (files.Exists(path)) files.Move(path, path + suffix);
        }
        files.SyncDirectory(stateDirectory);
        MarksDocument marks = HighWaterMarks.Read(files, Path.Combine(stateDirectory, HighWaterMarks.FileName)) ?? new MarksDocument();
        int? restored = marks.Active is { } active && FilesVerify(files, stateDirectory, active) ? active.Version : null;
        return new StateRecoveryReport(StateDatabase.FileName + suffix, error.Message, marks.EventSeqReserved + 1, marks.ModelVersion + 1, restored)
        {
            At = now.ToUnixTimeMilliseconds(),
            Active = restored is null ? null : marks.Active,
        };
    }

    /// <summary>Seeds the new database on the opening thread, before the writer starts, and syncs it.</summary>
    public static void Seed(StateDatabase state, StateRecoveryReport report)
    {
        LiteDatabase db = state.Database;
        db.BeginTrans();
        StoredCollection<Counter> counters = db.Counters();
        counters.Upsert(new Counter { Name = EventLog.SeqFloorCounter, Next = report.EventSeqFrom });
        counters.Upsert(new Counter { Name = ModelRegistry.VersionFloorCounter, Next = report.ModelVersionFrom });
        if (report.Active is { } active)
        {
            db.ModelVersions().Insert(active);
            db.RegistryPointers().Upsert(new RegistryPointer { Version = active.Version });
        }
        db.PendingNotices().Upsert(new PendingNotice
        {
            Type = "state_recovered",
            Ts = report.At,
            Fields = report.ToEventFields().ToJsonString(),
        });
        db.Commit();
    }

    static bool FilesVerify(IStorageFiles files, string stateDirectory, ModelVersionRecord record)
    {
        string models = Path.Combine(stateDirectory, ModelRegistry.ModelsDirectoryName);
        return Verifies(files, Path.Combine(models, record.BaseFile), record.BaseHash)
            && (record.AdapterFile is null || Verifies(files, Path.Combine(models, record.AdapterFile), record.AdapterHash));
    }

    static bool Verifies(IStorageFiles files, string path, string? hash)
    {
        try { return files.Exists(path) && Convert.ToHexStringLower(SHA256.HashData(files.ReadAllBytes(path))) == hash; }
        catch (IOException) { return false; }
    }
}
