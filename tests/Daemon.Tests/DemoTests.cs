using System.Text.Json.Nodes;

namespace SensorOdl.Daemon.Tests;

public class DemoTests
{
    [Fact]
    public async Task The_demo_tells_drift_adaptation_promotion_and_a_detected_fault_as_contract_events()
    {
        (int code, string stdout, string stderr) = await CliRunner.Run("demo", "--json");
        Assert.True(code == 0, stderr);
        List<JsonObject> events = [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => (JsonObject)JsonNode.Parse(l)!)];
        List<string> types = [.. events.Select(e => (string)e["type"]!)];
        int drift = types.IndexOf("drift_detected"), started = types.IndexOf("training_started");
        int promotedV2 = events.FindIndex(e => (string)e["type"]! == "model_promoted" && (int)e["version"]! == 2);
        Assert.True(drift >= 0 && started > drift && promotedV2 > started, string.Join(", ", types));
        Assert.Contains(events.Skip(promotedV2 + 1), e => (string)e["type"]! == "anomaly");
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => (long)e["seq"]!));
        Assert.All(events, e => Assert.True((long)e["ts"]! > 1_700_000_000_000));
    }
}
