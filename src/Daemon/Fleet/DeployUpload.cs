using System.Text.Json.Nodes;

namespace SensorOdl.Daemon.Fleet;

/// <summary>
/// One device's side of a `deploy` transfer, stop-and-wait: ask where the transfer stands, then send the chunk the
/// device names as `next` in each answer, one at a time, until the answer says `complete`. A chunk without an answer
/// in time (lost, or dropped by the device's inbound flood limit, which answers nothing) is sent again, and the pace
/// halves; a damaged chunk (`bad_chunk`) or `rate_limited` is sent again too. Every other refusal ends it. Knows
/// nothing of MQTT: <see cref="DeployAction"/> sends what <see cref="NextCommand"/> makes and feeds the answers back.
/// </summary>
public sealed class DeployUpload(string device, DeployPackage package, double chunksPerSecond)
{
    /// <summary>Sends of one step (the same chunk, or the question) before the device counts as not answering.</summary>
    public const int MaxAttempts = 6;
    public const double MinChunksPerSecond = 0.5;
    readonly HashSet<string> _ids = [];
    int? _next; // null: ask first
    int _attempts;
    int? _resumedAt;
    bool _waiting;

    public string Device { get; } = device;
    public DeviceOutcome? Outcome { get; private set; }
    public double ChunksPerSecond { get; private set; } = chunksPerSecond;
    /// <summary>A send of the current step waits for its answer.</summary>
    public bool InFlight => _waiting;
    readonly HashSet<int> _sent = [];
    /// <summary>Distinct chunks this run sent (a transfer resumed from a device's chunks sends fewer than the count).</summary>
    public int ChunksSent => _sent.Count;
    /// <summary>Sends that repeated a step (no answer in time, or a damaged chunk).</summary>
    public int Resent { get; private set; }
    public string Progress => _next is int n ? $"sending chunk {n + 1}/{package.Count}" : "asking where the transfer stands";
    /// <summary>The step waits for the device's verdict on the whole file (its last chunk): that answer takes longer.</summary>
    public bool Finishing { get; private set; }

    /// <summary>The next command: the question, or the chunk wanted; a fresh id every time (a signed command's id is used once).</summary>
    public FleetCommand NextCommand()
    {
        FleetCommand command = FleetCommand.New("deploy", _next is int n ? package.ChunkArgs(n) : package.Query());
        _ids.Add(command.Id);
        _waiting = true;
        _attempts++;
        if (_next is int index) _sent.Add(index);
        if (_attempts > 1) Resent++;
        return command;
    }

    /// <summary>An answer to one of this step's sends (a late answer to an earlier send of the same step counts too).</summary>
    public bool Owns(string? id) => id is not null && _ids.Contains(id);

    public void OnReply(JsonObject reply)
    {
        if (Outcome is not null) return;
        if (!FleetReply.Ok(reply))
        {
            string? code = DeviceView.Str(reply["error"] as JsonObject, "code");
            if (code is "bad_chunk" or "rate_limited" && _attempts < MaxAttempts)
            {
                _waiting = false; // send the step again
                return;
            }
            Finish(false, "refused", $"refused: {FleetReply.Error(reply)}", new JsonObject { ["error"] = reply["error"]?.DeepClone() });
            return;
        }
        JsonObject result = reply["result"] as JsonObject ?? [];
        if (result["complete"] is JsonValue c && c.TryGetValue(out bool complete) && complete)
        {
            string resumed = _resumedAt is > 0 ? $"; resumed at chunk {_resumedAt + 1}" : "";
            Finish(true, "deployed",
                $"deployed v{DeviceView.Int(result, "version")} (base {DeviceView.Str(result, "baseHash")?[..12]}…, was v{DeviceView.Int(result, "fromVersion")}; {ChunksSent} of {package.Count} chunks sent{(Resent > 0 ? $", {Resent} sent again" : "")}{resumed})",
                new JsonObject { ["result"] = result.DeepClone(), ["chunksSent"] = ChunksSent, ["resent"] = Resent, ["resumedAt"] = _resumedAt });
            return;
        }
        int? next = DeviceView.Int(result, "next");
        if (next is not int n || n < 0 || n >= package.Count)
        {
            Finish(false, "failed", $"failed: the device answered next chunk {next?.ToString() ?? "none"} for an incomplete transfer", new JsonObject { ["result"] = result.DeepClone() });
            return;
        }
        _resumedAt ??= n;
        _next = n;
        Finishing = DeviceView.Int(result, "received") == package.Count - 1;
        _ids.Clear();
        _waiting = false;
        _attempts = 0;
    }

    /// <summary>No answer in time: send the step again at half the pace, or give up after <see cref="MaxAttempts"/>.</summary>
    public void OnNoAnswer(TimeSpan waited)
    {
        if (Outcome is not null) return;
        ChunksPerSecond = Math.Max(MinChunksPerSecond, ChunksPerSecond / 2);
        _waiting = false;
        if (_attempts >= MaxAttempts)
            Finish(false, "timeout", $"timeout: no answer to {_attempts} sends ({waited.TotalSeconds:0} s each) at {Progress}", []);
    }

    public void TimeOut(TimeSpan after) =>
        Finish(false, "timeout", $"timeout after {after.TotalSeconds:0} s (last: {Progress})", []);

    void Finish(bool succeeded, string kind, string text, JsonObject details)
    {
        Outcome ??= new DeviceOutcome(Device, succeeded, kind, text, details);
        _waiting = false;
    }
}
