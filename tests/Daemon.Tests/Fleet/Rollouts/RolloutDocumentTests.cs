using System.Text.Json.Nodes;
using SensorOdl.Daemon.Fleet.Rollouts;

namespace SensorOdl.Daemon.Tests.Fleet.Rollouts;

/// <summary>The retained rollout state: what one tool writes, another reads back whole (to show or resume it).</summary>
public sealed class RolloutDocumentTests
{
    [Fact]
    public void A_document_survives_the_round_trip_through_its_json()
    {
        var document = new RolloutDocument
        {
            Id = "ro-test", Action = "rollback", Args = new JsonObject { ["version"] = 2 }, Select = "--select state=drift", Stages = [10, 100],
            AbortIf = "rejected>20%,anomalyRate>2x", MinWaitSeconds = 600, Rate = 5, TimeoutSeconds = 30,
            Plan = [["a"], ["b", "c"]], Stage = 1, State = RolloutState.Running, CreatedAt = 1795641333576,
        };
        document.Devices["a"] = DeviceState.Succeeded;
        document.Devices["b"] = DeviceState.Queued;
        document.Devices["c"] = DeviceState.Queued;
        document.Before["a"] = new DeviceFigures(3, 0.02, 60, 0.05);
        document.After["a"] = new DeviceFigures(2, 0.01, 58, null);
        document.Notes["a"] = "rolled back v3 → v2";

        JsonObject json = JsonNode.Parse(document.ToJson().ToJsonString())!.AsObject();
        Assert.Equal("running", json["state"]!.GetValue<string>());
        Assert.Equal("queued", json["devices"]!["b"]!.GetValue<string>());
        RolloutDocument back = RolloutDocument.FromJson(json)!;
        Assert.Equal(document.ToJson().ToJsonString(), back.ToJson().ToJsonString());
        Assert.Equal(2, back.StageOf("c"));
        Assert.Equal("1 queued, 1 succeeded", new RolloutDocument
        {
            Id = "x", Action = "retrain", Args = [], Select = "", Stages = [100], AbortIf = "", MinWaitSeconds = 0, Rate = 1, TimeoutSeconds = 1,
            Plan = [["p", "q"]], Devices = new(StringComparer.Ordinal) { ["p"] = "succeeded", ["q"] = "queued" },
        }.Counts());
    }

    [Fact]
    public void A_payload_that_is_not_a_rollout_reads_as_none() =>
        Assert.Null(RolloutDocument.FromJson(new JsonObject { ["id"] = "x" }));
}
