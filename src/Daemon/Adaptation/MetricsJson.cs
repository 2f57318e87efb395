using System.Text.Json.Nodes;

namespace SensorOdl.Daemon.Adaptation;

/// <summary>A version's validation metrics as events and the status carry them: rounded to 4 decimals.</summary>
static class MetricsJson
{
    public static JsonObject Rounded(IEnumerable<KeyValuePair<string, double>> metrics) =>
        new(metrics.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, Math.Round(kv.Value, 4))));
}
