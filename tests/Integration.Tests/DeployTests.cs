using System.Text;
using System.Text.Json.Nodes;
using SensorOdl.Daemon.Fleet;
using SensorOdl.Daemon.Mqtt;
using SensorOdl.Integration.Tests.Infrastructure;
using Xunit.Abstractions;
using static SensorOdl.Integration.Tests.Infrastructure.JsonAssert;

namespace SensorOdl.Integration.Tests;

/// <summary>
/// `sensorodl fleet deploy-base` and the `deploy` command (docs/CONTRACT.md §3) against a real daemon on mosquitto, with
/// signed commands: a base model is pushed and becomes the device's new version (model topic, its own base hash); a
/// damaged chunk is refused and the transfer resumes where it stood; a model for other features is refused; a
/// trigger-happy model is rolled back by the device's own probation; a deploy-base rollout completes.
/// </summary>
public sealed class DeployTests(DeployFixture fleet, ITestOutputHelper output) : IClassFixture<DeployFixture>
{
    const string Prefix = DeployFixture.Prefix;
    string Device => fleet.Device;

    void Check(bool condition, string message, CliRun? run = null)
    {
        if (!condition) Assert.Fail($"{message}\n{run}\n{fleet.Diagnostics()}");
    }

    async Task<JsonObject> DeployedAsync(string model, params string[] extra)
    {
        CliRun run = await fleet.FleetAsync(["deploy-base", "--model", model, "--device", Device, "--json", .. extra]);
        output.WriteLine(run.ToString());
        Check(run.Code == 0 && run.Err.Length == 0, "deploy-base succeeds", run);
        JsonObject device = (JsonObject)Arr(run.Json, "devices")[0]!;
        Assert.Equal("deployed", Str(device, "outcome"));
        return device;
    }

    static JsonArray Arr(JsonObject o, string key) => o[key] as JsonArray ?? throw new Xunit.Sdk.XunitException($"'{key}' must be an array in {o.ToJsonString()}");

    Task WaitForModelAsync(int version, string id, int from) =>
        fleet.Probe.WaitForAsync(m => m.Topic == $"{Prefix}/{Device}/model" && m.Json["version"]?.GetValue<int>() == version
            && m.Json["id"]?.GetValue<string>() == id && m.Json["method"]?.GetValue<string>() == "base", TimeSpan.FromSeconds(20),
            $"the model topic shows v{version}, base {id[..12]}", from);

    /// <summary>A `deploy` sent by hand, signed, through the probe; the reply.</summary>
    async Task<JsonObject> SendAsync(JsonObject args)
    {
        byte[] payload = FleetCommand.New("deploy", args).ToBytes();
        string sig = CommandSignature.Sign(CommandSignature.ReadKey(fleet.KeyFile), payload);
        Received reply = await fleet.Probe.RequestAsync($"{Prefix}/{Device}/cmd", payload, TimeSpan.FromSeconds(20), [("sig", sig)]);
        return reply.Json;
    }

    [Fact]
    public async Task A_base_model_pushed_with_deploy_base_becomes_the_devices_new_version_with_its_own_base_hash()
    {
        int mark = fleet.Probe.Mark;
        var package = DeployPackage.Read(fleet.GoodModel, 4);
        JsonObject device = await DeployedAsync(fleet.GoodModel, "--chunk-kb", "4");
        JsonObject result = Obj(device, "result");
        Assert.Equal(package.Sha256, Str(result, "baseHash"));
        Assert.Equal(package.Sha256, Str(result, "id"));
        Assert.Equal(package.Count, Int(device, "chunksSent"));
        int version = Int(result, "version");
        Assert.True(version > Int(result, "fromVersion"));
        await WaitForModelAsync(version, package.Sha256, mark);
        Received promoted = await fleet.Probe.WaitForAsync(m => m.Topic == $"{Prefix}/{Device}/events" && m.Json["type"]?.GetValue<string>() == "model_promoted"
            && m.Json["version"]?.GetValue<int>() == version, TimeSpan.FromSeconds(20), "model_promoted for the deployed version", mark);
        Assert.Equal("base", Str(promoted.Json, "method"));
        Assert.Equal($"deploy-{package.Transfer}", Str(promoted.Json, "job"));
        Assert.Contains(fleet.Probe.On($"{Prefix}/{Device}/events", mark), m => m.Json["type"]?.GetValue<string>() == "deploy_progress"
            && m.Json["phase"]?.GetValue<string>() == "installed" && m.Json["version"]?.GetValue<int>() == version);
    }

    [Fact]
    public async Task A_damaged_chunk_is_refused_and_the_transfer_resumes_where_it_stood()
    {
        var package = DeployPackage.Read(fleet.GoodModel, 1);
        Assert.True(package.Count > 4, $"{package.Count} chunks");
        JsonObject start = await SendAsync(package.Query()); // a fresh transfer of this file (a finished one is sent again as new)
        Check(FleetReply.Ok(start), $"the question is answered: {start.ToJsonString()}");
        for (int i = 0; i < 2; i++)
        {
            JsonObject ok = await SendAsync(package.ChunkArgs(i));
            Check(FleetReply.Ok(ok) && Obj(ok, "result")["next"]!.GetValue<int>() == i + 1, $"chunk {i} is stored: {ok.ToJsonString()}");
        }
        JsonObject damaged = package.ChunkArgs(2);
        byte[] bytes = Convert.FromBase64String(Str(damaged, "data"));
        bytes[5] ^= 0x20; // a bit flipped on the way; chunkSha256 is still the original's
        damaged["data"] = Convert.ToBase64String(bytes);
        JsonObject refused = await SendAsync(damaged);
        Assert.False(FleetReply.Ok(refused));
        Assert.Equal("bad_chunk", Str(Obj(refused, "error"), "code"));
        JsonObject where = Obj(await SendAsync(package.Query()), "result");
        Assert.Equal(2, Int(where, "received"));
        Assert.Equal(2, Int(where, "next"));

        int mark = fleet.Probe.Mark;
        JsonObject device = await DeployedAsync(fleet.GoodModel, "--chunk-kb", "1");
        Assert.Equal(2, Int(device, "resumedAt"));
        Assert.Equal(package.Count - 2, Int(device, "chunksSent"));
        Assert.Contains("resumed at chunk 3", Str(device, "message"));
        await WaitForModelAsync(Int(Obj(device, "result"), "version"), package.Sha256, mark);
    }

    [Fact]
    public async Task A_model_for_other_features_is_refused_and_the_device_keeps_its_version()
    {
        int mark = fleet.Probe.Mark;
        CliRun run = await fleet.FleetAsync("deploy-base", "--model", fleet.OtherFeaturesModel, "--device", Device);
        output.WriteLine(run.ToString());
        Check(run.Code == 1 && run.ErrLines.Length == 1 && run.Err.Contains($"{Device}: refused: feature_mismatch: the model was trained on features"),
            "exit 1, one line naming the refusal", run);
        Received refused = await fleet.Probe.WaitForAsync(m => m.Topic == $"{Prefix}/{Device}/events" && m.Json["type"]?.GetValue<string>() == "deploy_progress"
            && m.Json["phase"]?.GetValue<string>() == "refused", TimeSpan.FromSeconds(20), "deploy_progress refused", mark);
        Assert.Equal("feature_mismatch", Str(refused.Json, "code"));
        Assert.DoesNotContain(fleet.Probe.On($"{Prefix}/{Device}/events", mark), m => m.Json["type"]?.GetValue<string>() == "model_promoted");

        CliRun usage = await fleet.FleetAsync("deploy-base", "--device", Device);
        Check(usage.Code == 2 && usage.Err.Contains("--model FILE is required"), "no --model: usage error", usage);
        string junk = Path.Combine(fleet.Root, "junk.sodl");
        await File.WriteAllTextAsync(junk, "not a model");
        CliRun notModel = await fleet.FleetAsync("deploy-base", "--model", junk, "--device", Device);
        Check(notModel.Code == 1 && notModel.ErrLines.Length == 1 && notModel.Err.Contains("is not a base model file"), "a file that is no model: exit 1", notModel);
    }

    [Fact]
    public async Task A_trigger_happy_base_pushed_with_deploy_base_is_rolled_back_by_the_devices_probation()
    {
        int mark = fleet.Probe.Mark;
        JsonObject device = await DeployedAsync(fleet.TriggerHappyModel);
        JsonObject result = Obj(device, "result");
        int bad = Int(result, "version"), previous = Int(result, "fromVersion");
        Received rolledBack = await fleet.Probe.WaitForAsync(m => m.Topic == $"{Prefix}/{Device}/events" && m.Json["type"]?.GetValue<string>() == "model_rolled_back"
            && m.Json["fromVersion"]?.GetValue<int>() == bad, TimeSpan.FromSeconds(30), "the device rolls the trigger-happy base back", mark);
        JsonObject e = rolledBack.Json;
        output.WriteLine(e.ToJsonString());
        Assert.Equal(previous, Int(e, "toVersion"));
        Assert.StartsWith("probation: flagged ", Str(e, "reason"));
        JsonObject metrics = Obj(e, "metrics");
        double newShare = Num(metrics, "newShare"), oldShare = Num(metrics, "oldShare");
        Assert.True(newShare > 2 * oldShare && Int(metrics, "newFlagged") >= 10, metrics.ToJsonString());
        await fleet.Probe.WaitForAsync(m => m.Topic == $"{Prefix}/{Device}/model" && m.Json["version"]?.GetValue<int>() == previous,
            TimeSpan.FromSeconds(20), "the model topic is back on the previous version", mark);
    }

    [Fact]
    public async Task A_deploy_base_rollout_completes_and_records_the_file_it_sends()
    {
        string id = $"ro-it-deploy-{Guid.NewGuid().ToString("N")[..6]}";
        CliRun run = await fleet.FleetAsync("rollout", "deploy-base", "--model", fleet.GoodModel, "--chunk-kb", "8", "--select", $"device={Device}",
            "--stages", "100%", "--min-wait", "1s", "--abort-if", "failed>0%,rejected>0%", "--quiet", "1", "--id", id, "--json");
        output.WriteLine(run.ToString());
        Check(run.Code == 0, "the rollout succeeds", run);
        JsonObject rollout = run.Json;
        Assert.Equal("succeeded", Str(rollout, "state"));
        Assert.Equal("deploy-base", Str(rollout, "action"));
        Assert.Equal("succeeded", Str(Obj(rollout, "devices"), Device));
        Assert.Equal(DeployPackage.Read(fleet.GoodModel, 8).Sha256, Str(Obj(rollout, "args"), "sha256"));
        Assert.StartsWith("deployed v", Str(Obj(rollout, "notes"), Device));
        Assert.True(Int(Obj(Obj(rollout, "after"), Device), "version") > Int(Obj(Obj(rollout, "before"), Device), "version"));
    }
}
