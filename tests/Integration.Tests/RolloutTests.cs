using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using SensorOdl.Integration.Tests.Infrastructure;
using Xunit.Abstractions;
using static SensorOdl.Integration.Tests.Infrastructure.JsonAssert;

namespace SensorOdl.Integration.Tests;

/// <summary>
/// `sensorodl fleet rollout` (docs/FLEET.md) against three real daemons on mosquitto: a retrain rollout that aborts on a
/// rejected first stage and leaves the later stage alone, a retrain rollout that completes, a rollback rollout that
/// aborts on the anomaly rate the devices show after it (and puts them back), one that completes over three devices in
/// two stages, resume from a recorded stage, and the retained state read by a second client.
/// </summary>
public sealed partial class RolloutTests(RolloutFixture fleet, ITestOutputHelper output) : IClassFixture<RolloutFixture>
{
    const string Prefix = RolloutFixture.Prefix;

    void Check(bool condition, string message, CliRun? run = null)
    {
        if (!condition) Assert.Fail($"{message}\n{run}\n{fleet.Diagnostics()}");
    }

    static string NewId(string what) => $"ro-it-{what}-{Guid.NewGuid().ToString("N")[..6]}";

    async Task<JsonObject> StatusJsonAsync(string id)
    {
        CliRun status = await fleet.FleetAsync("rollout", "status", id, "--json"); // a second client: its own connection
        Check(status.Code == 0, $"rollout status {id} exits 0", status);
        return status.Json;
    }

    static string DeviceState(JsonObject rollout, string device) => Str(Obj(rollout, "devices"), device);

    int Commands(string device, string command, int from) =>
        fleet.Probe.On($"{Prefix}/{device}/cmd", from).Count(m => m.Json["command"]?.GetValue<string>() == command);

    [Fact]
    public async Task A_retrain_rollout_aborts_on_a_rejected_first_stage_and_never_touches_the_second()
    {
        string id = NewId("reject");
        int mark = fleet.Probe.Mark;
        CliRun run = await fleet.FleetAsync("rollout", "retrain", "--select", fleet.All, "--stages", "1,100%", "--abort-if", "rejected>0%",
            "--min-wait", "2s", "--samples", "64", "--epochs", "5", "--timeout", "120", "--quiet", "1", "--id", id);
        output.WriteLine(run.ToString());
        Check(run.Code == 1 && run.ErrLines.Length == 1 && run.Err.Contains($"rollout {id} aborted: rejected>0%: 1 of 1 device rejected"),
            "the rollout aborts with exit 1 and one line naming the criterion", run);
        Check(run.Out.Contains($"{fleet.A}: rejected: "), "A's rejection is shown", run);
        Assert.Equal(1, Commands(fleet.A, "retrain", mark));
        Assert.Equal(0, Commands(fleet.B, "retrain", mark));
        Assert.Equal(0, Commands(fleet.C, "retrain", mark));

        JsonObject rollout = await StatusJsonAsync(id);
        Assert.Equal("aborted", Str(rollout, "state"));
        Assert.Equal(1, Int(rollout, "stage"));
        Assert.Equal(2, Int(rollout, "stageCount"));
        Assert.Equal("rejected", DeviceState(rollout, fleet.A));
        Assert.Equal("queued", DeviceState(rollout, fleet.B));
        Assert.Equal("queued", DeviceState(rollout, fleet.C));
        Assert.StartsWith("rejected>0%", Str(rollout, "reason"));
        Assert.True(Int(Obj(Obj(rollout, "before"), fleet.B), "version") >= 1); // before-figures of every device, taken before stage 1

        CliRun table = await fleet.FleetAsync("rollout", "status", id);
        Check(table.Code == 0 && table.Out.StartsWith($"rollout {id}: retrain --select {fleet.All}", StringComparison.Ordinal)
            && table.Out.Contains("aborted at stage 1/2") && table.Out.Contains("2 queued, 1 rejected"),
            "the table names the rollout, its state and the counts", table);
        CliRun list = await fleet.FleetAsync("rollout", "status");
        Check(list.Code == 0 && list.Out.Contains($"rollout {id}: "), "rollout status without an id lists it", list);
        CliRun again = await fleet.FleetAsync("rollout", "abort", id);
        Check(again.Code == 1 && again.ErrLines.Length == 1 && again.Err.Contains("already aborted"), "an ended rollout cannot be aborted again", again);
        CliRun resume = await fleet.FleetAsync("rollout", "resume", id);
        Check(resume.Code == 1 && resume.Err.Contains("nothing to resume"), "nor resumed", resume);
        CliRun missing = await fleet.FleetAsync("rollout", "status", "ro-no-such-rollout");
        Check(missing.Code == 1 && missing.ErrLines.Length == 1 && missing.Err.Contains("no rollout 'ro-no-such-rollout'"), "an unknown rollout: exit 1", missing);
        CliRun taken = await fleet.FleetAsync("rollout", "rollback", "--to", "1", "--select", fleet.All, "--id", id, "--min-wait", "0");
        Check(taken.Code == 1 && taken.Err.Contains("already exists"), "an id in use is refused", taken);
    }

    [Fact]
    public async Task A_retrain_rollout_completes_then_a_rollback_that_raises_the_anomaly_rate_aborts_and_is_undone_then_one_completes()
    {
        // 1. Retrain B and C in two stages: both promoted, their anomaly rate falls, the rollout succeeds.
        string retrainId = NewId("retrain");
        CliRun retrain = await fleet.FleetAsync("rollout", "retrain", "--select", $"device={fleet.B}|{fleet.C}", "--stages", "50,100%",
            "--abort-if", "rejected>0%,anomalyRate>2x", "--min-wait", "2s", "--samples", "64", "--epochs", "10", "--timeout", "120", "--quiet", "1", "--id", retrainId);
        output.WriteLine(retrain.ToString());
        Check(retrain.Code == 0 && retrain.Err.Length == 0, "the retrain rollout succeeds", retrain);
        Check(retrain.Out.Contains("stage 1/2: 1 device") && retrain.Out.Contains("stage 2/2: 1 device") && retrain.Out.Contains($"rollout {retrainId} succeeded: 2 succeeded"),
            "two stages of one device each", retrain);
        JsonObject done = await StatusJsonAsync(retrainId);
        Assert.Equal("succeeded", Str(done, "state"));
        int promoted = Int(Obj(Obj(done, "after"), fleet.B), "version");
        Assert.True(promoted > Int(Obj(Obj(done, "before"), fleet.B), "version"));

        // 2. Roll A and B (stage 1 of 2) back to the base: B flags the remounted machine again, far above its own rate on
        //    the promoted version → abort; B goes back to its version, A to its own; C (stage 2) is never sent anything.
        string abortId = NewId("quality");
        int mark = fleet.Probe.Mark;
        CliRun rollback = await fleet.FleetAsync("rollout", "rollback", "--to", "1", "--select", fleet.All, "--stages", "34,100%",
            "--abort-if", "anomalyRate>2x", "--min-wait", "3s", "--quiet", "1", "--id", abortId);
        output.WriteLine(rollback.ToString());
        Check(rollback.Code == 1 && rollback.ErrLines.Length == 1 && rollback.Err.Contains($"aborted: anomalyRate>2x: {fleet.B} flags "),
            "the rollback rollout aborts on B's anomaly rate", rollback);
        JsonObject aborted = await StatusJsonAsync(abortId);
        Assert.Equal("aborted", Str(aborted, "state"));
        Assert.Equal("rolled_back", DeviceState(aborted, fleet.B));
        Assert.Equal("rolled_back", DeviceState(aborted, fleet.A));
        Assert.Equal("queued", DeviceState(aborted, fleet.C));
        Assert.Equal(0, Commands(fleet.C, "rollback", mark));
        Assert.Equal(1, Commands(fleet.A, "rollback", mark)); // A was on version 1 already: the abort sends it nothing
        Assert.Equal(2, Commands(fleet.B, "rollback", mark));
        await fleet.Probe.WaitForAsync(m => m.Topic == $"{Prefix}/{fleet.B}/model" && m.Json["version"]?.GetValue<int>() == promoted,
            TimeSpan.FromSeconds(20), "B is back on its promoted version", mark);

        // 3. Roll all three back to the base with no quality criterion: 2 + 1 devices, succeeded.
        string backId = NewId("rollback");
        CliRun back = await fleet.FleetAsync("rollout", "rollback", "--to", "1", "--select", fleet.All, "--stages", "50,100%",
            "--abort-if", "rejected>0%,failed>0%", "--min-wait", "0", "--quiet", "1", "--id", backId, "--json");
        output.WriteLine(back.ToString());
        Check(back.Code == 0, "the rollback rollout over three devices succeeds", back);
        JsonObject final = back.Json;
        Assert.Equal("succeeded", Str(final, "state"));
        Assert.Equal(2, Int(final, "stage"));
        Assert.Equal([2, 1], final["plan"]!.AsArray().Select(p => p!.AsArray().Count));
        foreach (string device in new[] { fleet.A, fleet.B, fleet.C })
        {
            Assert.Equal("succeeded", DeviceState(final, device));
            Assert.Equal(1, Int(Obj(Obj(final, "after"), device), "version"));
        }
    }

    [Fact]
    public async Task An_operator_aborts_a_running_rollout_from_another_client_and_its_devices_go_back()
    {
        string id = NewId("abort");
        int mark = fleet.Probe.Mark;
        Task<CliRun> running = fleet.FleetAsync("rollout", "retrain", "--device", fleet.C, "--abort-if", "rejected>0%", "--min-wait", "5s",
            "--samples", "64", "--epochs", "5", "--timeout", "120", "--id", id);
        Received promoted = await fleet.Probe.WaitForAsync(m => m.Topic == $"{Prefix}/fleet/rollouts/{id}" && m.Payload.Length > 0
            && m.Json["devices"]?[fleet.C]?.GetValue<string>() == "succeeded", TimeSpan.FromSeconds(90), "C succeeded in the running rollout", mark);
        int before = promoted.Json["before"]![fleet.C]!["version"]!.GetValue<int>();

        int abortMark = fleet.Probe.Mark;
        CliRun abort = await fleet.FleetAsync("rollout", "abort", id); // while the driving tool watches C for 5 s
        output.WriteLine(abort.ToString());
        Check(abort.Code == 0 && abort.Out.Contains($"rollout {id} aborted: aborted by an operator"), "the abort exits 0", abort);
        CliRun driver = await running.WaitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine(driver.ToString());
        Check(driver.Code == 1 && driver.ErrLines.Length == 1 && driver.Err.Contains($"rollout {id} was aborted by another operator tool"),
            "the driving tool stops with exit 1 and one line", driver);

        JsonObject rollout = await StatusJsonAsync(id);
        Assert.Equal("aborted", Str(rollout, "state"));
        Assert.Equal("rolled_back", DeviceState(rollout, fleet.C));
        Assert.Equal(1, Commands(fleet.C, "rollback", mark));
        await fleet.Probe.WaitForAsync(m => m.Topic == $"{Prefix}/{fleet.C}/model" && m.Json["version"]?.GetValue<int>() == before,
            TimeSpan.FromSeconds(20), "C is back on its version before the rollout", abortMark);
    }

    [Fact]
    public async Task Ctrl_c_leaves_a_rollout_paused_and_resume_finishes_it()
    {
        if (SigIntIgnored())
        {
            output.WriteLine("SIGINT is ignored by this test run (its children inherit that); Ctrl-C is not checked.");
            return;
        }
        string id = NewId("pause");
        int mark = fleet.Probe.Mark;
        await using DaemonProcess tool = DaemonProcess.Start(["fleet", "rollout", "rollback", "--to", "1", "--select", $"device={fleet.A}",
            "--min-wait", "2s", "--abort-if", "failed>0%", "--id", id, "--broker", fleet.Broker.Uri, "--key-file", fleet.KeyFile]);
        await fleet.Probe.WaitForAsync(m => m.Topic == $"{Prefix}/fleet/rollouts/{id}" && m.Payload.Length > 0 && m.Json["state"]?.GetValue<string>() == "running",
            TimeSpan.FromSeconds(60), "the rollout is running", mark);
        Assert.Equal(0, Kill(tool.Pid, 2));
        int? code = await tool.WaitForExitAsync(TimeSpan.FromSeconds(20));
        Check(code == 1, $"Ctrl-C ends the tool with exit 1, got {code?.ToString() ?? "no exit"}\n{tool.Describe()}");
        string state = Str(await StatusJsonAsync(id), "state");
        Check(state == "paused", $"the rollout is recorded paused, got {state}\n{tool.Describe()}");

        CliRun resume = await fleet.FleetAsync("rollout", "resume", id, "--json");
        output.WriteLine(resume.ToString());
        Check(resume.Code == 0 && Str(resume.Json, "state") == "succeeded" && DeviceState(resume.Json, fleet.A) == "succeeded", "resume finishes it", resume);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    static bool SigIntIgnored()
    {
        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line[7..].Trim(), 16) & 0x2) != 0;
    }

    [Fact]
    public async Task Resume_continues_from_the_recorded_stage_and_does_not_resend_the_stages_done()
    {
        // A rollout another operator's tool left paused after stage 1 (A done): resume sends stage 2 (B) only.
        string id = NewId("resume");
        var document = new JsonObject
        {
            ["id"] = id, ["action"] = "rollback", ["args"] = new JsonObject { ["version"] = 1 }, ["select"] = $"--select device={fleet.A}|{fleet.B}",
            ["stages"] = new JsonArray(50, 100), ["abortIf"] = "rejected>0%", ["minWaitSeconds"] = 1, ["rate"] = 5, ["timeoutSeconds"] = 30,
            ["stage"] = 1, ["state"] = "paused", ["devices"] = new JsonObject { [fleet.A] = "succeeded", [fleet.B] = "queued" },
            ["plan"] = new JsonArray(new JsonArray(fleet.A), new JsonArray(fleet.B)),
            ["before"] = new JsonObject { [fleet.A] = new JsonObject { ["version"] = 1, ["windows"] = 0 }, [fleet.B] = new JsonObject { ["version"] = 1, ["windows"] = 0 } },
            ["createdAt"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ["updatedAt"] = 0, ["updatedBy"] = "another-tool",
        };
        await fleet.Probe.PublishAsync($"{Prefix}/fleet/rollouts/{id}", document.ToJsonString(), retain: true);
        int mark = fleet.Probe.Mark;
        CliRun run = await fleet.FleetAsync("rollout", "resume", id);
        output.WriteLine(run.ToString());
        Check(run.Code == 0 && run.Out.Contains($"resuming rollout {id} at stage 1/2") && run.Out.Contains("stage 2/2: 1 device"), "resume runs stage 2 and succeeds", run);
        Assert.Equal(0, Commands(fleet.A, "rollback", mark));
        Assert.Equal(1, Commands(fleet.B, "rollback", mark));
        JsonObject rollout = await StatusJsonAsync(id);
        Assert.Equal("succeeded", Str(rollout, "state"));
        Assert.Equal("succeeded", DeviceState(rollout, fleet.B));
        await fleet.Probe.PublishAsync($"{Prefix}/fleet/rollouts/{id}", "", retain: true);
    }
}
