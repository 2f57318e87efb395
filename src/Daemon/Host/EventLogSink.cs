using System.Text.Json.Nodes;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;

namespace SensorOdl.Daemon.Host;

/// <summary>Events from the pipeline and the adaptation job into the durable event log (never blocking the caller).</summary>
public sealed class EventLogSink(EventLog log, Action<string, JsonObject?>? echo = null) : IEventSink
{
    public void Emit(string type, long ts, JsonObject? fields = null)
    {
        echo?.Invoke(type, fields);
        log.Append(type, ts, fields);
    }
}
