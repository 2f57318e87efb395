using System.Text;
using System.Text.Json.Nodes;

namespace SensorOdl.Daemon.Fleet;

/// <summary>
/// A command envelope of docs/CONTRACT.md §3: `{id, command, args, ts}`. The id is new for every invocation of the fleet
/// tool (signed commands refuse a reused id); `ts` is always stamped, as signed commands need it.
/// </summary>
public sealed record FleetCommand(string Id, string Command, JsonObject Args, long Ts)
{
    public static FleetCommand New(string command, JsonObject? args = null) =>
        new($"fleet-{command}-{Guid.NewGuid().ToString("N")[..12]}", command, args ?? [], DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    public byte[] ToBytes() => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["id"] = Id,
        ["command"] = Command,
        ["args"] = Args.DeepClone(),
        ["ts"] = Ts,
    }.ToJsonString());
}
