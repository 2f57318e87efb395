using System.Text.Json.Nodes;
using SensorOdl.Integration.Tests.Infrastructure;
using Xunit.Abstractions;
using static SensorOdl.Integration.Tests.Infrastructure.JsonAssert;

namespace SensorOdl.Integration.Tests;

/// <summary>
/// docs/RELIABILITY.md: real daemons killed with SIGKILL around retraining and promotion, each restarted on the same
/// state directory and checked: it comes back monitoring, needs no state recovery, announces no older model than
/// before the kill, and never gives a used seq to another event. CI runs 2 trials; bench/soak.sh kill9 N runs N.
/// </summary>
public sealed class KillNineTrials(ITestOutputHelper output) : DaemonTest
{
    [Fact]
    public async Task Daemons_killed_around_a_retrain_come_back_clean()
    {
        (int trials, List<string> unclean) = await RunAsync(2, seed: 1, output.WriteLine);
        Check(unclean.Count == 0, $"kill9: {trials} trials, {unclean.Count} unclean:\n{string.Join('\n', unclean)}");
    }

    /// <summary>bench/soak.sh kill9 N: runs when SENSORODL_KILL9_TRIALS is set, and writes its summary to SENSORODL_KILL9_REPORT.</summary>
    [Fact]
    [Trait("Category", "Soak")]
    public async Task Soak()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("SENSORODL_KILL9_TRIALS"), out int count)) return;
        string? report = Environment.GetEnvironmentVariable("SENSORODL_KILL9_REPORT");
        var started = DateTime.UtcNow;
        void Log(string line) { if (report is not null) File.AppendAllText(report, line + "\n"); }
        (int trials, List<string> unclean) = await RunAsync(count, seed: 7, Log);
        Log($"{(DateTime.UtcNow - started).TotalSeconds:F0} s");
        Log($"kill9: {trials} trials, {unclean.Count} unclean");
        Check(unclean.Count == 0, string.Join('\n', unclean));
    }

    static readonly string[] KillPoints = ["retrain accepted", "training_started", "training_finished", "verdict"];

    async Task<(int, List<string>)> RunAsync(int trials, int seed, Action<string> log)
    {
        string device = NewDevice("kill9");
        string state = NewStateDir(device);
        MqttProbe probe = await ProbeAsync($"{Prefix}/{device}/#");
        var random = new Random(seed);
        var unclean = new List<string>();
        var seen = new Dictionary<long, string>(); // seq → the event published under it
        int announced = 0; // the newest model version announced on `model`
        for (int trial = 0; trial <= trials; trial++)
        {
            int mark = probe.Mark;
            DaemonProcess daemon = StartDaemon(device, state, "Storage:SampleIntervalSeconds=0", "Adaptation:MinIntervalMinutes=0", "Adaptation:Mode=off");
            try
            {
                await WaitMonitoringAsync(probe, device, mark);
            }
            catch (Exception e)
            {
                unclean.Add($"trial {trial}: the restarted daemon did not come back monitoring ({e.Message})\n{daemon.Describe()}");
                await daemon.KillAsync();
                break;
            }
            int model = probe.On(Topic(device, "model"), mark).Select(m => Int(m.Json, "version")).Last();
            if (model < announced) unclean.Add($"trial {trial}: model version {model} after the restart, {announced} was announced before the kill");
            if (trial == trials)
            {
                await daemon.KillAsync();
                CheckEvents(probe, device, mark, seen, trial, unclean);
                break;
            }

            string point = KillPoints[random.Next(KillPoints.Length)];
            int beforeRetrain = probe.Mark;
            JsonObject reply = (await probe.RequestAsync(Topic(device, "cmd"), Command($"k{trial}", "retrain", new JsonObject { ["samples"] = 16, ["epochs"] = random.Next(1, 4) }))).Json;
            if (!Bool(reply, "ok")) unclean.Add($"trial {trial}: retrain refused: {reply.ToJsonString()}");
            else if (point != "retrain accepted")
                try
                {
                    string[] types = point == "verdict" ? ["model_promoted", "model_rejected"] : [point];
                    await WaitEventAsync(probe, device, e => types.Contains(Str(e, "type")) || Str(e, "type") == "training_failed", point, beforeRetrain, 120);
                }
                catch (Exception e) { log($"trial {trial}: {point} did not come ({e.Message}); killing anyway"); }
            await Task.Delay(random.Next(0, 400)); // the kill instant, spread over the moments after the point
            await daemon.KillAsync();
            announced = Math.Max(announced, probe.On(Topic(device, "model"), mark).Select(m => Int(m.Json, "version")).DefaultIfEmpty(0).Max());
            CheckEvents(probe, device, mark, seen, trial, unclean);
            log($"trial {trial + 1}: killed after {point}; model version {announced}; {seen.Count} seqs seen; {unclean.Count} unclean so far");
        }
        return (trials, unclean);
    }

    static void CheckEvents(MqttProbe probe, string device, int from, Dictionary<long, string> seen, int trial, List<string> unclean)
    {
        foreach (JsonObject e in Events(probe, device, from))
        {
            long seq = (long)Num(e, "seq");
            string text = e.ToJsonString();
            if (Str(e, "type") == "state_recovered") unclean.Add($"trial {trial}: the state had to be recovered: {text}");
            if (seen.TryGetValue(seq, out string? before) && before != text && Str(e, "type") != "events_dropped")
                unclean.Add($"trial {trial}: seq {seq} was {before}, now {text}");
            seen[seq] = text;
        }
    }
}
