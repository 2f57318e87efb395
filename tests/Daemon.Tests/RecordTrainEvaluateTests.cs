using System.Text.Json.Nodes;
using SensorOdl.Daemon.Cli;
using SensorOdl.TestSupport;

namespace SensorOdl.Daemon.Tests;

public sealed class RecordTrainEvaluateTests : IDisposable
{
    readonly string _directory = Directory.CreateTempSubdirectory("sensorodl-commissioning-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    static Task<(int Code, string Out, string Err)> Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public async Task A_technician_records_the_machine_trains_on_it_and_evaluates_it()
    {
        string recordings = Path.Combine(_directory, "rec"), state = Path.Combine(_directory, "state");
        (int code, _, string err) = await Run("record", "--out", recordings, "--windows", "300", "--set", "state=normal,site=pump7", "--Sensor:Speed=0");
        Assert.True(code == 0, err);
        JsonObject manifest = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(recordings, "manifest.json")))!;
        JsonObject entry = (JsonObject)manifest["recordings"]![0]!;
        Assert.Equal("pump7", (string)entry["site"]!);
        Assert.Equal("waveform", (string)entry["kind"]!);

        (code, string output, err) = await Run("train", "--data", recordings, "--filter", "state=normal", "--epochs", "20", $"--Storage:StateDir={state}");
        Assert.True(code == 0, err);
        Assert.Contains("Model version 1 is active", output);

        (code, output, err) = await Run("evaluate", "--data", recordings, "--filter", "site=pump7", "--json", $"--Storage:StateDir={state}");
        Assert.True(code == 0, err);
        JsonObject report = (JsonObject)JsonNode.Parse(output)!;
        Assert.Equal(300, (int)report["windows"]!);
        Assert.True((double)report["flagged"]! < 0.05, output);

        (code, output, _) = await Run("models", "list", "--json", $"--Storage:StateDir={state}");
        Assert.Equal(0, code);
        JsonArray versions = (JsonArray)JsonNode.Parse(output)!;
        Assert.Single(versions);
        Assert.True((bool)versions[0]!["active"]!);
        Assert.Null(versions[0]!["parentVersion"]);
    }

    [Fact]
    public async Task Train_on_real_fan_recordings_refuses_an_unknown_filter_key_as_a_usage_error()
    {
        string data = RepoPaths.DataSet("cooling-fan");
        (int code, _, string err) = await Run("train", "--data", data, "--filter", "colour=red", $"--Storage:StateDir={_directory}");
        Assert.Equal(2, code);
        Assert.Contains("colour", err);
    }

    [Fact]
    public async Task The_classifier_head_trains_on_labelled_fan_recordings_and_flags_the_damaged_fans()
    {
        string data = RepoPaths.DataSet("cooling-fan"), model = Path.Combine(_directory, "classifier.sodl");
        (int code, _, string err) = await Run("train", "--data", data, "--filter", "env=silentA", "--classes", "state", "--epochs", "30", "--model-out", model);
        Assert.True(code == 0, err);
        Assert.Contains("3 classes (damage1, damage2, normal)", err);
        async Task<double> Flagged(string filter)
        {
            (int c, string output, string e) = await Run("evaluate", "--data", data, "--filter", filter, "--model", model, "--json");
            Assert.True(c == 0, e);
            return (double)JsonNode.Parse(output)!["flagged"]!;
        }
        Assert.True(await Flagged("env=silentA,state=normal") < 0.02);
        // hmlo recordings spend about a quarter of their frames standing still, where a damaged fan looks normal.
        Assert.True(await Flagged("env=silentA,state=damage1|damage2") > 0.7);
        Assert.Equal(2, (await Run("train", "--data", data, "--filter", "env=silentA,state=normal", "--classes", "state", "--model-out", model)).Code);
    }

    [Fact]
    public async Task Train_keeps_the_score_share_it_was_given_in_the_base_file()
    {
        string data = RepoPaths.DataSet("cooling-fan");
        async Task<IReadOnlyDictionary<string, string>> Trained(string name, params string[] extra)
        {
            string model = Path.Combine(_directory, name);
            (int code, _, string err) = await Run(["train", "--data", data, "--filter", "env=silentA,state=normal,speed=h", "--epochs", "5", "--model-out", model, .. extra]);
            Assert.True(code == 0, err);
            return Learning.Models.ModelFile.Deserialize(File.ReadAllBytes(model)).Metadata;
        }
        IReadOnlyDictionary<string, string> quarter = await Trained("quarter.sodl"), mean = await Trained("mean.sodl", "--Anomaly:ScoreShare=1");
        Assert.Equal(("3", "0.25"), (quarter["anomalyFormat"], quarter["scoreShare"]));
        Assert.False(mean.ContainsKey("scoreShare")); // the plain mean: written as format 2, which a build of last week reads
        Assert.Equal("2", mean["anomalyFormat"]);
        Assert.Equal(2, (await Run("train", "--data", data, "--filter", "env=silentA,state=normal", "--Anomaly:ScoreShare=0", "--model-out", Path.Combine(_directory, "x.sodl"))).Code);
    }

    [Fact]
    public async Task Models_rollback_switches_the_active_version_and_refuses_unknown_ones()
    {
        string state = Path.Combine(_directory, "state");
        string data = RepoPaths.DataSet("cooling-fan");
        Assert.Equal(0, (await Run("train", "--data", data, "--filter", "env=silentA,state=normal,speed=h", "--epochs", "5", $"--Storage:StateDir={state}")).Code);
        Assert.Equal(0, (await Run("train", "--data", data, "--filter", "env=noisy,state=normal,speed=h", "--epochs", "5", $"--Storage:StateDir={state}")).Code);
        (int code, string output, _) = await Run("models", "rollback", "1", $"--Storage:StateDir={state}");
        Assert.Equal(0, code);
        Assert.Contains("version 1", output);
        (_, output, _) = await Run("models", "show", "1", "--json", $"--Storage:StateDir={state}");
        Assert.True((bool)JsonNode.Parse(output)!["active"]!);
        Assert.Equal(1, (await Run("models", "rollback", "9", $"--Storage:StateDir={state}")).Code);
        Assert.Equal(2, (await Run("models", "rollback", "one", $"--Storage:StateDir={state}")).Code);
    }
}

public sealed class ModelSensorMismatchTests : IDisposable
{
    readonly string _state = Directory.CreateTempSubdirectory("sensorodl-mismatch-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    [Fact]
    public async Task A_model_trained_on_other_features_than_the_sensor_gives_is_refused_at_start_with_one_line()
    {
        string data = RepoPaths.DataSet("cooling-fan");
        Assert.Equal(0, (await CliRunner.Run("train", "--data", data, "--filter", "env=silentA,state=normal,speed=h", "--epochs", "5", $"--Storage:StateDir={_state}")).Code);
        // The spectrum model meets the simulated machine's waveform windows.
        (int code, _, string err) = await CliRunner.Run("run", $"--Storage:StateDir={_state}", "--Mqtt:Uri=mqtt://127.0.0.1:9", "--Device:Id=mismatch");
        Assert.Equal(2, code);
        Assert.Contains("was trained on features", err);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("sensorodl:"));
    }
}
