using System.Text.Encodings.Web;
using System.Text.Json;

namespace SensorOdl.Daemon.Fleet;

/// <summary>How `fleet … --json` writes: compact, with `→`, `é` and the like as themselves rather than \u escapes (output for people and scripts, never HTML).</summary>
public static class FleetJson
{
    public static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
