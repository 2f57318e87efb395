using SensorOdl.TestSupport;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using SensorOdl.Integration.Tests.Infrastructure;
using Xunit.Abstractions;
using static SensorOdl.Integration.Tests.Infrastructure.JsonAssert;

namespace SensorOdl.Integration.Tests;

/// <summary>
/// docs/CONTRACT.md §1 `sensorodl fleet` against real daemons on mosquitto: status of one device and of all (retained
/// merged with live answers), watch, retrain to promotion, rollback, label, --select, and every exit code.
/// </summary>
public sealed partial class FleetTests(FleetFixture fleet, ITestOutputHelper output) : IClassFixture<FleetFixture>
{
    const string Prefix = FleetFixture.Prefix;

    void Check(bool condition, string message, CliRun? run = null)
    {
        if (!condition) Assert.Fail($"{message}\n{run}\n{fleet.Diagnostics()}");
    }

    static JsonObject Row(JsonObject report, string device) =>
        report["devices"]!.AsArray().OfType<JsonObject>().SingleOrDefault(r => r["device"]?.GetValue<string>() == device)
        ?? throw new Xunit.Sdk.XunitException($"no row for {device} in {report.ToJsonString()}");

    [Fact]
    public async Task Status_of_one_device_is_its_row_from_the_retained_topics()
    {
        CliRun run = await fleet.FleetProcessAsync(true, "status", "--device", fleet.Steady, "--json");
        output.WriteLine(run.ToString());
        Check(run.Code == 0, "fleet status --device exits 0", run);
        JsonObject report = run.Json;
        Assert.Single(report["devices"]!.AsArray());
        JsonObject row = Row(report, fleet.Steady);
        Assert.True(Bool(row, "online"));
        Assert.Contains(Str(row, "state"), new[] { "monitoring", "drift", "collecting", "training", "validating" });
        Assert.True(Int(Obj(row, "model"), "version") >= 1);
        Assert.False(string.IsNullOrEmpty(Str(Obj(row, "model"), "method")));
        Assert.False(Bool(Obj(row, "anomaly"), "active"));
        Num(Obj(row, "anomaly"), "score");
        Num(Obj(row, "drift"), "statistic");
        AssertUnixMs(Num(row, "lastSeen"), "lastSeen");
        Assert.False(Bool(row, "answered")); // retained state only: nothing was asked
        Assert.Null(report["answered"]);

        CliRun table = await fleet.FleetAsync(true, "status", "--device", fleet.Steady);
        Check(table.Code == 0 && table.Out.Split('\n')[0].StartsWith("device", StringComparison.Ordinal)
            && table.Out.Split('\n').Any(l => l.StartsWith(fleet.Steady, StringComparison.Ordinal) && l.Contains(" yes ")), "the table has a header and an online row", table);
    }

    [Fact]
    public async Task Status_all_merges_the_live_answers_of_both_daemons_and_says_how_many_answered()
    {
        CliRun run = await fleet.FleetAsync(true, "status", "--all", "--json", "--quiet", "2");
        output.WriteLine(run.ToString());
        Check(run.Code == 0, "fleet status --all exits 0", run);
        Check(Int(run.Json, "answered") == 2, "both daemons answered the status command on {p}/all/cmd", run);
        foreach (string device in new[] { fleet.Drifted, fleet.Steady })
        {
            JsonObject row = Row(run.Json, device);
            Assert.True(Bool(row, "answered"), row.ToJsonString());
            Assert.Null(row["refusal"]);
            Assert.True(Bool(row, "online"));
        }

        // Unsigned, the daemons (which require signatures) still answer — with a refusal the table explains.
        CliRun unsigned = await fleet.FleetAsync(false, "status", "--all", "--quiet", "2");
        output.WriteLine(unsigned.ToString());
        Check(unsigned.Code == 0 && unsigned.Out.Contains("2 answered a live status request") && unsigned.Out.Contains("2 refused it (unauthorized")
            && unsigned.Out.Contains("--key-file"), "the unsigned status request is answered with refusals and a hint", unsigned);
    }

    [Fact]
    public async Task Select_filters_on_dotted_paths_into_the_status_and_model()
    {
        CliRun both = await fleet.FleetAsync(true, "status", "--select", $"model.method=base,device={fleet.Drifted}|{fleet.Steady}", "--json", "--quiet", "0.5");
        Check(both.Code == 0 && both.Json["devices"]!.AsArray().Count == 2, "model.method=base,device=a|b selects both devices", both);
        CliRun one = await fleet.FleetAsync(true, "status", "--select", $"online=true,device={fleet.Steady},sensor.kind=simulated", "--json", "--quiet", "0.5");
        Check(one.Code == 0 && one.Json["devices"]!.AsArray().Count == 1 && Row(one.Json, fleet.Steady)["device"] is not null, "three clauses select one device", one);
        CliRun none = await fleet.FleetAsync(true, "status", "--select", "model.version=999", "--json", "--quiet", "0.5");
        Check(none.Code == 0 && none.Json["devices"]!.AsArray().Count == 0, "model.version=999 selects none", none);
        CliRun unknown = await fleet.FleetAsync(true, "status", "--select", "modle.version=1", "--quiet", "0.5");
        Check(unknown.Code == 2 && unknown.ErrLines.Length == 1 && unknown.Err.Contains("modle.version"), "a key no device has is a usage error", unknown);
    }

    [Fact]
    public async Task Watch_json_streams_the_retained_state_then_events_and_ends_with_exit_0_on_ctrl_c()
    {
        DaemonProcess watch = fleet.StartFleetProcess(true, "watch", "--device", fleet.Steady, "--json");
        await Eventually.WaitAsync(() => Lines(watch).Any(l => l["type"]?.GetValue<string>() == "state"), TimeSpan.FromSeconds(30),
            "the watch prints the retained state", () => watch.Describe());
        JsonObject state = Lines(watch).First(l => l["type"]?.GetValue<string>() == "state");
        Assert.Equal(fleet.Steady, Str(state, "device"));
        Assert.True(Bool(state, "retained"));

        // An unsigned command is refused: the device raises command_rejected, which the watch streams.
        await fleet.Probe.PublishAsync($"{Prefix}/{fleet.Steady}/cmd", """{"id":"watch-me","command":"status"}""");
        await Eventually.WaitAsync(() => Lines(watch).Any(l => l["type"]?.GetValue<string>() == "command_rejected" && l["id"]?.GetValue<string>() == "watch-me"),
            TimeSpan.FromSeconds(20), "the watch streams the command_rejected event", () => watch.Describe());
        JsonObject rejected = Lines(watch).First(l => l["type"]?.GetValue<string>() == "command_rejected");
        Assert.Equal(fleet.Steady, Str(rejected, "device"));
        Assert.Equal("unauthorized", Str(rejected, "code"));
        Assert.True(Int(rejected, "seq") >= 1);

        if (SigIntIgnored())
        {
            // Started with SIGINT ignored (a background job without job control), the process inherits that: no Ctrl-C to test.
            output.WriteLine("SIGINT is ignored by this test run; the Ctrl-C exit is not checked.");
            return;
        }
        Assert.Equal(0, Kill(watch.Pid, 2));
        int? code = await watch.WaitForExitAsync(TimeSpan.FromSeconds(15));
        Check(code == 0, $"watch exits 0 on Ctrl-C, got {code?.ToString() ?? "no exit"}\n{watch.Describe()}");
    }

    static List<JsonObject> Lines(DaemonProcess process) =>
        [.. process.Output.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonNode.Parse(l) as JsonObject).OfType<JsonObject>()];

    [Fact]
    public async Task Retrain_follows_the_drifted_device_to_promotion_and_rollback_restores_version_1()
    {
        CliRun retrain = await fleet.FleetProcessAsync(true, "retrain", "--select", $"device={fleet.Drifted}", "--samples", "64", "--epochs", "20", "--timeout", "120");
        output.WriteLine(retrain.ToString());
        string[] lines = retrain.Out.Split('\n');
        Check(retrain.Code == 0, "the retrain of the drifted device exits 0", retrain);
        Check(lines.Any(l => l.StartsWith($"{fleet.Drifted}: accepted as job-", StringComparison.Ordinal)), "a line says the job was accepted", retrain);
        Check(lines.Any(l => l.StartsWith($"{fleet.Drifted}: training", StringComparison.Ordinal) || l.StartsWith($"{fleet.Drifted}: validating", StringComparison.Ordinal)),
            "a progress line shows training or validating", retrain);
        Check(lines[^1].StartsWith($"{fleet.Drifted}: promoted v2 (false alarms ", StringComparison.Ordinal) && lines[^1].Contains(" % → "), "the outcome line: promoted v2 (false alarms a % → b %)", retrain);
        Check(retrain.Err.Length == 0, "nothing on stderr", retrain);

        int mark = fleet.Probe.Mark;
        CliRun rollback = await fleet.FleetAsync(true, "rollback", "--to", "1", "--device", fleet.Drifted, "--json");
        output.WriteLine(rollback.ToString());
        Check(rollback.Code == 0, "the rollback exits 0", rollback);
        JsonObject row = rollback.Json["devices"]!.AsArray().OfType<JsonObject>().Single();
        Assert.Equal("rolled_back", Str(row, "outcome"));
        Assert.Equal("rolled back v2 → v1", Str(row, "message"));
        Assert.Contains("v2 → v1", rollback.Out); // --json keeps the arrow readable
        await fleet.Probe.WaitForAsync(m => m.Topic == $"{Prefix}/{fleet.Drifted}/model" && m.Json["version"]?.GetValue<int>() == 1,
            TimeSpan.FromSeconds(20), "the model topic shows version 1 again", mark);

        // A second rollback to a version that does not exist: refused (not_found), exit 1 with one line.
        CliRun missing = await fleet.FleetAsync(true, "rollback", "--to", "99", "--device", fleet.Drifted);
        Check(missing.Code == 1 && missing.ErrLines.Length == 1 && missing.Err.Contains("refused: not_found"), "rollback to a missing version exits 1", missing);

        // Adaptation off: no candidate is pending, so promote is refused (no_candidate), exit 1 with one line.
        CliRun promote = await fleet.FleetAsync(true, "promote", "--device", fleet.Drifted);
        Check(promote.Code == 1 && promote.ErrLines.Length == 1 && promote.Err.Contains("refused: no_candidate"), "promote with nothing pending exits 1", promote);
    }

    [Fact]
    public async Task Label_marks_the_stored_windows_of_a_time_span_on_every_device()
    {
        CliRun run = await fleet.FleetAsync(true, "label", "--all", "--from", "0", "--to", "2100-01-01T00:00:00Z", "--label", "normal", "--quiet", "1");
        output.WriteLine(run.ToString());
        Check(run.Code == 0, "label --all exits 0", run);
        foreach (string device in new[] { fleet.Drifted, fleet.Steady })
        {
            string? line = run.Out.Split('\n').FirstOrDefault(l => l.StartsWith($"{device}: labelled ", StringComparison.Ordinal));
            Check(line is not null && int.Parse(line.Split(' ')[2]) > 0 && line.EndsWith(" windows normal", StringComparison.Ordinal), $"{device}: labelled N > 0 windows normal", run);
        }
        Check(run.Out.Contains("2 of 2 devices succeeded."), "a summary line", run);
    }

    [Fact]
    public async Task An_unsigned_retrain_is_refused_by_the_device_and_exits_1_with_one_line()
    {
        CliRun run = await fleet.FleetAsync(false, "retrain", "--device", fleet.Steady);
        Check(run.Code == 1 && run.ErrLines.Length == 1 && run.Err.StartsWith($"sensorodl: {fleet.Steady}: refused: unauthorized", StringComparison.Ordinal), "unsigned retrain: exit 1, one line", run);
    }

    [Fact]
    public async Task An_unknown_device_and_an_unreachable_broker_exit_1_with_one_line()
    {
        CliRun unknown = await fleet.FleetAsync(true, "retrain", "--device", "no-such-device");
        Check(unknown.Code == 1 && unknown.ErrLines.Length == 1 && unknown.Err.Contains("unknown device 'no-such-device'"), "unknown device: exit 1, one line", unknown);

        int port = LocalServers.FreePort();
        CliRun unreachable = await FleetFixture.RunAsync(["fleet", "status", "--all", "--broker", $"mqtt://127.0.0.1:{port}"]);
        Check(unreachable.Code == 1 && unreachable.ErrLines.Length == 1 && unreachable.Err.Contains($"cannot reach the broker at mqtt://127.0.0.1:{port}"), "unreachable broker: exit 1, one line", unreachable);
    }

    [Fact]
    public async Task A_device_that_does_not_answer_times_out_with_exit_1()
    {
        // A device that left retained state saying it is online but does not answer (its will not yet published).
        string ghost = $"it-ghost-{Guid.NewGuid().ToString("N")[..6]}";
        await fleet.Probe.PublishAsync($"{Prefix}/{ghost}/availability", "online", retain: true);
        try
        {
            CliRun run = await fleet.FleetAsync(true, "rollback", "--to", "1", "--device", ghost, "--timeout", "2");
            Check(run.Code == 1 && run.ErrLines.Length == 1 && run.Err.Contains($"{ghost}: timeout after 2 s without a reply"), "no reply: timeout, exit 1, one line", run);
        }
        finally
        {
            await fleet.Probe.PublishAsync($"{Prefix}/{ghost}/availability", "", retain: true); // an empty retained payload clears it
        }
    }

    [Theory]
    [InlineData("retrain")] // no target
    [InlineData("retrain", "--device", "a", "--all")] // two targets
    [InlineData("rollback", "--device", "a")] // no --to
    [InlineData("rollback", "--to", "0", "--device", "a")]
    [InlineData("label", "--device", "a", "--from", "0", "--to", "1")] // no --label
    [InlineData("label", "--device", "a", "--from", "yesterday", "--to", "1", "--label", "fault")]
    [InlineData("label", "--device", "a", "--from", "5", "--to", "1", "--label", "fault")]
    [InlineData("retrain", "--select", "state")] // not key=value
    [InlineData("retrain", "--device", "a", "--epochs", "0")]
    [InlineData("retrain", "--device", "a", "--method", "magic")]
    [InlineData("status", "--bogus")]
    [InlineData("watch", "--select", "state=drift")]
    [InlineData("status", "--broker", "http://example.org")]
    [InlineData("status", "--key-file", "/nonexistent/key")]
    public async Task Usage_errors_exit_2_with_one_line_before_anything_is_sent(params string[] arguments)
    {
        CliRun run = await FleetFixture.RunAsync(["fleet", .. arguments]);
        Check(run.Code == 2 && run.ErrLines.Length == 1 && run.Err.StartsWith("sensorodl: ", StringComparison.Ordinal), $"fleet {string.Join(' ', arguments)}: exit 2 with one line", run);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>Whether this process ignores SIGINT (bit 2 of SigIgn in /proc/self/status); its children then inherit that.</summary>
    static bool SigIntIgnored()
    {
        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line[7..].Trim(), 16) & 0x2) != 0;
    }
}
