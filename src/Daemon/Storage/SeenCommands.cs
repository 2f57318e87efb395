using LiteDB;

namespace SensorOdl.Daemon.Storage;

sealed class SeenCommand
{
    [BsonId] public string Id { get; set; } = "";
    public long Ts { get; set; }
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
        _seen = state.Database.GetCollection<SeenCommand>(Collection).Find(c => c.Ts > nowMs - Day).ToDictionary(c => c.Id, c => c.Ts);
        state.WriteAsync(db => db.GetCollection<SeenCommand>(Collection).DeleteMany(c => c.Ts <= nowMs - Day));
    }

    /// <summary>Records the id; false when it was already seen within 24 h. On the disk before returning, so a power cut cannot reopen it to a replay.</summary>
    public bool TryRecord(string id, long nowMs)
    {
        lock (_seen)
        {
            if (_seen.TryGetValue(id, out long ts) && ts > nowMs - Day) return false;
            _seen[id] = nowMs;
        }
        _state.Write(db => db.GetCollection<SeenCommand>(Collection).Upsert(new SeenCommand { Id = id, Ts = nowMs }), durable: true);
        return true;
    }
}
