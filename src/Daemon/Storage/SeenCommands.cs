using LiteDB;

namespace SensorOdl.Daemon.Storage;

sealed class SeenCommand
{
    [BsonId] public string Id { get; set; } = "";
    public long Ts { get; set; }

    internal BsonDocument ToDocument() => new BsonDocument().Set("_id", Id).Set(nameof(Ts), Ts);

    internal static SeenCommand FromDocument(BsonDocument d) => new() { Id = d.String("_id") ?? "", Ts = d.Int64(nameof(Ts)) };
}

/// <summary>Command ids seen in the last 24 hours, kept across restarts so a replayed signed command is refused.</summary>
public sealed class SeenCommands
{
    const string Collection = "seen_commands";
    static readonly long Day = 86_400_000L;
    readonly StateDatabase _state;
    readonly Dictionary<string, long> _seen;

    public SeenCommands(StateDatabase state, long nowMs)
    {
        _state = state;
        _seen = state.Database.SeenCommandIds().Find(BsonExpression.Create("$.Ts > @0", nowMs - Day)).ToDictionary(c => c.Id, c => c.Ts);
        state.WriteAsync(db => db.SeenCommandIds().DeleteMany(BsonExpression.Create("$.Ts <= @0", nowMs - Day)));
    }

    /// <summary>Records the id; false when it was already seen within 24 h. On the disk before returning, so a power cut cannot reopen it to a replay.</summary>
    public bool TryRecord(string id, long nowMs)
    {
        lock (_seen)
        {
            if (_seen.TryGetValue(id, out long ts) && ts > nowMs - Day) return false;
            _seen[id] = nowMs;
        }
        _state.Write(db => db.SeenCommandIds().Upsert(new SeenCommand { Id = id, Ts = nowMs }), durable: true);
        return true;
    }
}
