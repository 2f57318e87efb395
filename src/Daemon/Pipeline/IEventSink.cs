using System.Text.Json.Nodes;

namespace SensorOdl.Daemon.Pipeline;

/// <summary>Where the pipeline and the adaptation job report events (docs/CONTRACT.md §3 types).</summary>
public interface IEventSink
{
    void Emit(string type, long ts, JsonObject? fields = null);
}

/// <summary>Events recorded in memory (adapt-eval, demo, tests).</summary>
public sealed class EventRecorder : IEventSink
{
    readonly List<(string Type, long Ts, JsonObject? Fields)> _events = [];

    public event Action<string, long, JsonObject?>? Emitted;

    public IReadOnlyList<(string Type, long Ts, JsonObject? Fields)> Events { get { lock (_events) return [.. _events]; } }

    public void Emit(string type, long ts, JsonObject? fields = null)
    {
        lock (_events) _events.Add((type, ts, fields));
        Emitted?.Invoke(type, ts, fields);
    }
}
