using System.Text.Json.Nodes;
using SensorOdl.Daemon.Fleet;
using SensorOdl.TestSupport;

namespace SensorOdl.Daemon.Tests.Fleet;

/// <summary>
/// How `fleet deploy-base` drives one device's transfer: it follows the `next` chunk the device names, sends a chunk
/// again when no answer comes (a device's flood limit drops commands unanswered) at half the pace, and when the
/// device refuses it as damaged; it gives up after <see cref="DeployUpload.MaxAttempts"/> sends of one step.
/// </summary>
public sealed class DeployUploadTests
{
    static readonly string BaseFile = Path.Combine(RepoPaths.Root, "tests", "Fixtures", "v1", "state-dir", "models", "base-6f8a850a464bd6b5.sodl");

    static JsonObject Reply(FleetCommand command, string result) =>
        new JsonObject { ["id"] = command.Id, ["device"] = "d", ["ok"] = true, ["result"] = JsonNode.Parse(result) };

    static JsonObject Refusal(FleetCommand command, string code) =>
        new JsonObject
        {
            ["id"] = command.Id, ["device"] = "d", ["ok"] = false, ["error"] = new JsonObject { ["code"] = code, ["message"] = "m" },
        };

    [Fact]
    public void It_asks_first_then_sends_the_chunk_the_device_names_and_ends_when_the_device_says_complete()
    {
        DeployPackage package = DeployPackage.Read(BaseFile, 1);
        Assert.Equal(5, package.Count);
        var upload = new DeployUpload("d", package, 10);
        FleetCommand query = upload.NextCommand();
        Assert.False(query.Args.ContainsKey("index"));
        upload.OnReply(Reply(query, """{"complete":false,"received":3,"next":1}""")); // the device already has 0, 2 and 3
        FleetCommand chunk = upload.NextCommand();
        Assert.Equal(1, (int)chunk.Args["index"]!);
        Assert.Equal(Convert.ToBase64String(package.Chunk(1)), (string)chunk.Args["data"]!);
        upload.OnReply(Reply(chunk, """{"complete":false,"received":4,"next":4}"""));
        Assert.True(upload.Finishing);
        FleetCommand last = upload.NextCommand();
        upload.OnReply(Reply(last, """{"complete":true,"version":4,"fromVersion":2,"baseHash":"6f8a850a464bd6b5aaaa"}"""));
        Assert.True(upload.Outcome!.Succeeded);
        Assert.Equal("deployed v4 (base 6f8a850a464b…, was v2; 2 of 5 chunks sent; resumed at chunk 2)", upload.Outcome.Text);
    }

    [Fact]
    public void An_unanswered_or_damaged_chunk_is_sent_again_with_a_new_id_at_half_the_pace_until_the_attempts_run_out()
    {
        var upload = new DeployUpload("d", DeployPackage.Read(BaseFile, 1), 10);
        FleetCommand query = upload.NextCommand();
        upload.OnReply(Reply(query, """{"complete":false,"received":0,"next":0}"""));
        FleetCommand first = upload.NextCommand();
        upload.OnNoAnswer(TimeSpan.FromSeconds(5)); // dropped by the device's flood limit: no reply at all
        Assert.Equal(5, upload.ChunksPerSecond);
        Assert.False(upload.InFlight);
        FleetCommand second = upload.NextCommand();
        Assert.NotEqual(first.Id, second.Id); // a signed command's id is used once
        Assert.Equal(0, (int)second.Args["index"]!);
        upload.OnReply(Refusal(second, "bad_chunk"));
        Assert.Null(upload.Outcome);
        Assert.True(upload.Owns(first.Id)); // a late answer to the first send still counts
        for (int attempt = 3; attempt < DeployUpload.MaxAttempts; attempt++)
        {
            upload.NextCommand();
            upload.OnNoAnswer(TimeSpan.FromSeconds(5));
        }
        Assert.Null(upload.Outcome);
        Assert.True(upload.ChunksPerSecond < 1, $"{upload.ChunksPerSecond}/s after four unanswered sends");
        upload.NextCommand();
        upload.OnNoAnswer(TimeSpan.FromSeconds(5));
        Assert.Equal("timeout", upload.Outcome!.Kind);
        Assert.Equal(1, upload.ChunksSent); // one chunk, sent six times
        Assert.Equal(5, upload.Resent);
    }

    [Fact]
    public void Another_refusal_ends_the_transfer_as_refused_with_its_code()
    {
        var upload = new DeployUpload("d", DeployPackage.Read(BaseFile, 1), 10);
        FleetCommand query = upload.NextCommand();
        upload.OnReply(Refusal(query, "too_large"));
        Assert.Equal("refused", upload.Outcome!.Kind);
        Assert.StartsWith("refused: too_large: ", upload.Outcome.Text);
    }
}
