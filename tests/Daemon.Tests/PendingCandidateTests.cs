using System.Text.Json.Nodes;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Mqtt;
using SensorOdl.Daemon.Pipeline;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// Adaptation:Mode=confirm (docs/CONTRACT.md §2 Modes): drift fine-tunes and validates by itself and holds the
/// candidate as pending; `promote` activates it, `discard` drops it. The daemon's own pipeline on the simulated
/// machine, a real state directory, the data clock; jobs run inline.
/// </summary>
public sealed class PendingCandidateTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("sensorodl-pending-").FullName;
    readonly SimulatedPipeline _rig;
    readonly CommandHandlers _handlers;

    public PendingCandidateTests()
    {
        var settings = new DaemonSettings { Adaptation = new() { Mode = AdaptationMode.Confirm }, Storage = new() { SampleIntervalSeconds = 0 } };
        _rig = SimulatedPipeline.Start(_dir, settings, seed: 5, trainingWindows: 300);
        _handlers = _rig.Handlers();
    }

    public void Dispose()
    {
        _rig.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    MonitoringPipeline Pipeline => _rig.Pipeline;
    Task<JsonNode> Run(string command, string args = "{}") => _handlers.ExecuteAsync(command, (JsonObject)JsonNode.Parse(args)!);
    JsonObject Status => Pipeline.Status.ToJson(0);
    JsonObject? Last(string type) => _rig.Events.Events.LastOrDefault(e => e.Type == type).Fields;

    /// <summary>The sensor is remounted; drift is declared and the background job ends with a pending candidate.</summary>
    JsonObject DriftToPending()
    {
        _rig.Remount();
        _rig.Stream(400);
        Assert.Contains("drift_detected", _rig.Types);
        Assert.Contains("training_started", _rig.Types); // no retrain command: drift trained by itself
        Assert.DoesNotContain("model_promoted", _rig.Types);
        return Last("model_pending") ?? throw new Xunit.Sdk.XunitException($"no model_pending in {string.Join(", ", _rig.Types)}");
    }

    [Fact]
    public async Task Drift_in_confirm_mode_holds_a_validated_candidate_until_promote_activates_it()
    {
        JsonObject pending = DriftToPending();
        Assert.Equal(2, (int)pending["version"]!);
        Assert.Equal(1, (int)pending["parentVersion"]!);
        Assert.Equal("drift: " + (string)pending["reason"]!, Pipeline.Stores.Registry.Get(2)!.Reason);
        Assert.True((double)pending["metrics"]!["falseAlarmsAfter"]! < (double)pending["metrics"]!["falseAlarmsBefore"]!, pending.ToJsonString());
        // Stored, not active: status, the scoring model and the registry's pointer (what the model topic announces) stay on v1.
        Assert.Equal(1, Pipeline.Model.Current.Info.Version);
        Assert.Equal(1, Pipeline.Stores.Registry.ActiveVersion);
        Assert.Equal("pending", (string)Status["state"]!);
        Assert.Equal(2, (int)Status["candidate"]!["version"]!);
        Assert.Equal(1, (int)Status["model"]!["version"]!);
        _rig.Stream(50);
        Assert.Equal(1, _rig.Types.Count(t => t == "training_started")); // drift goes on, but one candidate waits: no second job

        var result = (JsonObject)await Run("promote");
        Assert.Equal(2, (int)result["version"]!);
        Assert.Equal(1, (int)result["fromVersion"]!);
        JsonObject promoted = Last("model_promoted")!;
        Assert.Equal(2, (int)promoted["version"]!);
        Assert.Equal((string)pending["job"]!, (string)promoted["job"]!);
        Assert.Equal(2, Pipeline.Model.Current.Info.Version);
        Assert.Equal(2, Pipeline.Stores.Registry.ActiveVersion);
        Assert.Null(Status["candidate"]);
        _rig.Stream(1);
        Assert.NotEqual("pending", (string)Status["state"]!);
        await Assert.ThrowsAsync<CommandError>(() => Run("promote")); // taken
    }

    [Fact]
    public async Task Discard_drops_the_candidate_and_keeps_the_active_version()
    {
        JsonObject pending = DriftToPending();
        var result = (JsonObject)await Run("discard", """{"version": 2}""");
        Assert.Equal(2, (int)result["version"]!);
        JsonObject discarded = Last("model_discarded")!;
        Assert.Equal(2, (int)discarded["version"]!);
        Assert.Equal((string)pending["job"]!, (string)discarded["job"]!);
        Assert.Equal("discard command", (string)discarded["reason"]!);
        Assert.Equal(1, Pipeline.Model.Current.Info.Version);
        Assert.Equal(1, Pipeline.Stores.Registry.ActiveVersion);
        Assert.Null(Status["candidate"]);
        Assert.Equal("drift", (string)Status["state"]!);
        Assert.False(Pipeline.Stores.Registry.Get(2)!.Retired); // kept as an inactive version: rollback {version: 2} can still use it
    }

    [Fact]
    public async Task Promote_or_discard_with_no_candidate_is_no_candidate_and_changes_nothing()
    {
        _rig.Stream(20);
        Assert.Equal("no_candidate", (await Assert.ThrowsAsync<CommandError>(() => Run("promote"))).Code);
        Assert.Equal("no_candidate", (await Assert.ThrowsAsync<CommandError>(() => Run("discard"))).Code);
        Assert.Equal(1, Pipeline.Model.Current.Info.Version);
        Assert.DoesNotContain("model_promoted", _rig.Types);
    }

    [Fact]
    public async Task Promote_of_another_version_than_the_pending_one_is_no_candidate_and_keeps_it_pending()
    {
        DriftToPending();
        CommandError error = await Assert.ThrowsAsync<CommandError>(() => Run("promote", """{"version": 7}"""));
        Assert.Equal("no_candidate", error.Code);
        Assert.Contains("version 2", error.Message);
        Assert.Equal(2, Pipeline.Adaptation.Pending?.Version);
        Assert.Equal(1, Pipeline.Model.Current.Info.Version);
        Assert.Equal("bad_args", (await Assert.ThrowsAsync<CommandError>(() => Run("promote", """{"version": "two"}"""))).Code);
    }
}
