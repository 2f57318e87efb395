using System.Security.Cryptography;
using System.Text.Json.Nodes;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Mqtt;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Training;
using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Simulation;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.Models;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// The `deploy` command on the daemon's own pipeline (simulated machine, real state directory): a base model sent in
/// chunks becomes a new registry version and the active model through the promotion path (model_promoted, probation);
/// the last chunk sent twice answers the same; a model for other features is refused and nothing is stored.
/// </summary>
public sealed class DeployHandlerTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("sensorodl-deploy-handler-").FullName;
    readonly SimulatedPipeline _rig;
    readonly CommandHandlers _handlers;

    public DeployHandlerTests()
    {
        var settings = new DaemonSettings { Adaptation = new() { Mode = AdaptationMode.Off }, Storage = new() { SampleIntervalSeconds = 0 } };
        _rig = SimulatedPipeline.Start(_dir, settings, seed: 7, trainingWindows: 100);
        MonitoringPipeline p = _rig.Pipeline;
        _handlers = _rig.Handlers(new DeployHandler(p.Settings, p.Status, p.Stores.Registry, p.Adaptation, p.Model, _rig.Events,
            new FeatureTransform(_rig.Machine.Format).Configuration, new DeployTransferStore(_dir, _rig.Clock), _rig.Clock));
    }

    public void Dispose()
    {
        _rig.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    static byte[] BaseFile(int windowSize, int seed)
    {
        using var machine = new SimulatedMachineSensor(new SimulationSettings(12_000, windowSize, Seed: seed, Speed: 0));
        AnomalyModel model = BaseModelTraining.ForSimulatedMachine(new FeatureTransform(machine.Format), seed, 0.01, windows: 64);
        return ModelFile.Serialize(AnomalyModelDocuments.Base(model));
    }

    /// <summary>Every chunk of <paramref name="file"/> as `deploy` args, <paramref name="chunkBytes"/> each.</summary>
    static List<JsonObject> Chunks(byte[] file, int chunkBytes, string transfer)
    {
        int count = (file.Length + chunkBytes - 1) / chunkBytes;
        var header = new JsonObject { ["transfer"] = transfer, ["count"] = count, ["size"] = file.Length, ["sha256"] = DeployTransfer.Hash(file) };
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            byte[] chunk = file[(i * chunkBytes)..Math.Min(file.Length, (i + 1) * chunkBytes)];
            var args = (JsonObject)header.DeepClone();
            args["index"] = i;
            args["chunkSha256"] = DeployTransfer.Hash(chunk);
            args["data"] = Convert.ToBase64String(chunk);
            return args;
        })];
    }

    /// <summary>As the command arrives: parsed from its text.</summary>
    Task<JsonNode> Deploy(JsonObject args) => _handlers.ExecuteAsync("deploy", (JsonObject)JsonNode.Parse(args.ToJsonString())!);

    [Fact]
    public async Task A_base_sent_in_chunks_is_stored_as_a_new_version_and_promoted_on_probation()
    {
        byte[] file = BaseFile(1024, seed: 8);
        List<JsonObject> chunks = Chunks(file, 1500, "good");
        Assert.True(chunks.Count >= 3);
        JsonObject query = (JsonObject)chunks[0].DeepClone();
        foreach (string key in new[] { "index", "chunkSha256", "data" }) query.Remove(key);
        JsonNode first = await Deploy(query);
        Assert.Equal(0, (int)first["next"]!);
        Assert.Equal(0, (int)first["received"]!);

        JsonNode? last = null;
        for (int i = chunks.Count - 1; i >= 0; i--) last = await Deploy(chunks[i]); // the last one first, the first one last
        Assert.True((bool)last!["complete"]!, last.ToJsonString());
        Assert.Equal(2, (int)last["version"]!);
        Assert.Equal(1, (int)last["fromVersion"]!);
        Assert.Equal(DeployTransfer.Hash(file), (string)last["baseHash"]!);

        Assert.Equal(2, _rig.Pipeline.Model.Current.Info.Version);
        Assert.Equal(2, _rig.Pipeline.Stores.Registry.ActiveVersion);
        Assert.Equal("base", _rig.Pipeline.Stores.Registry.Get(2)!.Method);
        Assert.IsType<SensorOdl.Daemon.Adaptation.Probation>(_rig.Pipeline.Model.Current.Shadow); // the same path as any promotion
        (string _, long _, JsonObject? promoted) = _rig.Events.Events.Single(e => e.Type == "model_promoted");
        Assert.Equal(2, (int)promoted!["version"]!);
        Assert.Equal("deploy-good", (string)promoted["job"]!);
        List<JsonObject> progress = [.. _rig.Events.Events.Where(e => e.Type == "deploy_progress").Select(e => e.Fields!)];
        Assert.True(progress.Count < chunks.Count, "deploy_progress is throttled, not one per chunk");
        Assert.Equal("installed", (string)progress[^1]["phase"]!);
        Assert.False(Directory.EnumerateFileSystemEntries(Path.Combine(_dir, DeployTransferStore.DirectoryName)).Any(), "the chunks are removed once installed");

        JsonNode again = await Deploy(chunks[0]); // the last chunk sent, sent again: the same answer, no third version
        Assert.Equal(last.ToJsonString(), again.ToJsonString());
        Assert.Equal(2, _rig.Pipeline.Stores.Registry.List().Count);
    }

    [Fact]
    public async Task A_model_for_other_features_is_refused_whole_and_nothing_is_stored()
    {
        byte[] file = BaseFile(512, seed: 8);
        List<JsonObject> chunks = Chunks(file, 47 * 1024, "other");
        foreach (JsonObject chunk in chunks[..^1]) await Deploy(chunk);
        CommandError error = await Assert.ThrowsAsync<CommandError>(() => Deploy(chunks[^1]));
        Assert.True(error.Code == "feature_mismatch", $"{error.Code}: {error.Message}");
        Assert.Contains("this sensor gives", error.Message);
        Assert.Single(_rig.Pipeline.Stores.Registry.List());
        Assert.Equal(1, _rig.Pipeline.Model.Current.Info.Version);
        Assert.Equal("refused", (string)_rig.Events.Events.Last(e => e.Type == "deploy_progress").Fields!["phase"]!);
        Assert.False(Directory.EnumerateFileSystemEntries(Path.Combine(_dir, DeployTransferStore.DirectoryName)).Any());

        byte[] notAModel = RandomNumberGenerator.GetBytes(3000);
        CommandError bad = await Assert.ThrowsAsync<CommandError>(() => Deploy(Chunks(notAModel, 3000, "junk")[0]));
        Assert.Equal("bad_model", bad.Code);
    }
}
