using System.Text.Json.Nodes;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;

namespace SensorOdl.Daemon.Host;

/// <summary>Events from the pipeline and the adaptation job into the durable event log (never blocking the caller). While
/// <paramref name="clockSynced"/> says the wall clock is not yet plausible, each event carries <c>clockSynced: false</c>.</summary>
public sealed class EventLogSink(EventLog log, Action<string, JsonObject?>? echo = null, Func<bool>? clockSynced = null) : IEventSink
{
    public void Emit(string type, long ts, JsonObject? fields = null)
    {
        if (clockSynced is not null && !clockSynced()) (fields ??= [])["clockSynced"] = false;
        echo?.Invoke(type, fields);
        log.Append(type, ts, fields);
    }
}
