using System.Text.Json.Nodes;
using SensorOdl.Integration.Tests.Infrastructure;
using SensorOdl.TestSupport;

namespace SensorOdl.Integration.Tests;

/// <summary>
/// Adaptation:Mode=confirm on a real daemon and mosquitto: drift fine-tunes and validates by itself, the candidate waits
/// as pending (status `pending` with `candidate`, the retained model topic still on the active version), still pending
/// after a restart, and the `promote` command activates it (model topic and status follow).
/// </summary>
public sealed class PendingCandidateTests : DaemonTest
{
    [Fact]
    public async Task Confirm_mode_holds_the_drift_candidate_as_pending_until_promote()
    {
        string device = NewDevice("pending"), state = NewStateDir(device);
        string baseModel = Path.Combine(Root, "base.sodl");
        Directory.CreateDirectory(Root);
        // The simulated machine's base from the v1 fixtures (no first-start training); the machine runs remounted from the
        // first window, so the base flags it and drift is declared within a few seconds.
        File.Copy(Path.Combine(RepoPaths.Root, "tests", "Fixtures", "v1", "state-dir", "models", "base-6f8a850a464bd6b5.sodl"), baseModel);
        MqttProbe probe = await ProbeAsync($"{Prefix}/{device}/#");
        string[] settings = [$"Model:Path={baseModel}", "Sensor:Simulation:Drift=mounting", "Sensor:Speed=3",
            "Storage:SampleIntervalSeconds=0", "Adaptation:Mode=confirm", "Adaptation:MinSamples=48", "Adaptation:Epochs=10",
            "Drift:Persistence=10"];
        DaemonProcess daemon = StartDaemon(device, state, settings);

        Received pending = await WaitEventAsync(probe, device, e => (string?)e["type"] == "model_pending", "model_pending", seconds: 90);
        int version = (int)pending.Json["version"]!;
        Check(version == 2 && (int)pending.Json["parentVersion"]! == 1, $"candidate v2 of v1: {pending.Text}");
        Check(!Events(probe, device).Any(e => (string?)e["type"] == "model_promoted"), "nothing promoted before the operator says so");
        Received status = await probe.WaitForAsync(m => m.Topic == Topic(device, "status") && m.Json["state"]?.GetValue<string>() == "pending",
            TimeSpan.FromSeconds(20), "status pending");
        Check((int?)status.Json["candidate"]?["version"] == version, $"status carries the candidate: {status.Text}");
        Check((int?)status.Json["model"]?["version"] == 1, "status still names the active version 1");
        Check(probe.On(Topic(device, "model")).All(m => (int?)m.Json["version"] == 1), "the model topic never announced the candidate");

        // A restart keeps the candidate pending (the registry's pending pointer).
        daemon.Terminate();
        Check(await daemon.WaitForExitAsync(TimeSpan.FromSeconds(20)) == 0, $"the daemon stops cleanly\n{daemon.Describe()}");
        int restart = probe.Mark;
        StartDaemon(device, state, settings);
        await probe.WaitForAsync(m => m.Topic == Topic(device, "availability") && m.Text == "online", StartTimeout, "online again", restart);
        Received again = await probe.WaitForAsync(m => m.Topic == Topic(device, "status") && m.Json["state"]?.GetValue<string>() == "pending",
            TimeSpan.FromSeconds(30), "status pending after the restart", restart);
        Check((int?)again.Json["candidate"]?["version"] == version && (int?)again.Json["model"]?["version"] == 1, $"still pending v2 on v1: {again.Text}");

        int mark = probe.Mark;
        JsonObject reply = (await probe.RequestAsync(Topic(device, "cmd"), Command("p-1", "promote"))).Json;
        Check((bool?)reply["ok"] == true, $"promote accepted: {reply.ToJsonString()}");
        Check((int?)reply["result"]?["version"] == version && (int?)reply["result"]?["fromVersion"] == 1, reply.ToJsonString());
        Received promoted = await WaitEventAsync(probe, device, e => (string?)e["type"] == "model_promoted", "model_promoted", mark, seconds: 15);
        Check((string?)promoted.Json["job"] == (string?)pending.Json["job"], "model_promoted carries the candidate's job");
        await probe.WaitForAsync(m => m.Topic == Topic(device, "model") && (int?)m.Json["version"] == version, TimeSpan.FromSeconds(15), "retained model v2", mark);
        await probe.WaitForAsync(m => m.Topic == Topic(device, "status") && (int?)m.Json["model"]?["version"] == version && m.Json["candidate"] is null
            && m.Json["state"]?.GetValue<string>() != "pending", TimeSpan.FromSeconds(15), "status on v2 without a candidate", mark);

        JsonObject second = (await probe.RequestAsync(Topic(device, "cmd"), Command("p-2", "promote"))).Json;
        Check((string?)second["error"]?["code"] == "no_candidate", $"a second promote finds nothing: {second.ToJsonString()}");
    }
}
