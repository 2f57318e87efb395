using SensorOdl.TestSupport;
using System.Text.Json.Nodes;

namespace SensorOdl.Daemon.Tests;

/// <summary>`adapt-eval --matrix` on the shared fan data at the defaults (the figures are in docs/BENCHMARKS.md; a 20-epoch base, tried to save time, adapts worse: noisy → silentA keeps 77 %).</summary>
public sealed class AdaptEvalMatrixTests
{
    [Fact]
    public async Task Every_ordered_room_pair_is_adapted_and_judged_per_damage_type_beside_the_baselines()
    {
        string dump = Path.Combine(Path.GetTempPath(), "sodl-scores-" + Guid.NewGuid().ToString("N"));
        (int code, string output, string error) = await CliRunner.Run("adapt-eval", "--matrix", "--data", RepoPaths.DataSet("cooling-fan"),
            "--by", "env", "--normal", "state=normal", "--faults-by", "state", "--json", "--dump-scores", dump);
        Assert.True(code == 0, error);
        try { AssertSeparationAndDump(JsonNode.Parse(output)!["pairs"]!.AsArray(), dump); }
        finally { if (Directory.Exists(dump)) Directory.Delete(dump, recursive: true); }
        JsonArray pairs = JsonNode.Parse(output)!["pairs"]!.AsArray();
        Assert.Equal(["noisy → silentA", "silentA → noisy"], pairs.Select(p => $"{p!["source"]} → {p["target"]}"));
        foreach (JsonNode? pair in pairs)
        {
            string name = $"{pair!["source"]} → {pair["target"]}";
            Assert.Equal(["damage1", "damage2", "all"], pair["rows"]!.AsArray().Select(r => (string)r!["faults"]!));
            Assert.True((bool)pair["driftDetected"]!, name);
            Assert.True((double)pair["falseAlarmRateBefore"]! > 0.5, $"{name}: the other room should look abnormal to the base");
            Assert.True((int)pair["promoted"]! >= 1, name);
            // False alarms come down, unless the probe guard refused a candidate that went blind (and said so).
            bool blindRefused = pair["jobs"]!.AsArray().Any(j => !(bool)j!["promoted"]! && ((string)j["reason"]!).StartsWith("blind to synthetic ", StringComparison.Ordinal));
            Assert.True((double)pair["falseAlarmRateAfter"]! < 0.1 || blindRefused, $"{name}: adaptation did not bring false alarms down");
            Assert.InRange((double)pair["sourceFalseAlarmsAfter"]!, 0, 1); // the source's normal, back after adapting
            foreach (JsonNode? job in pair["jobs"]!.AsArray())
                Assert.InRange((double)job!["probeRecall"]!, 0, 1); // the fan spectra get probes
            // and denoising fits (Adaptation:Denoise): every fourth fit window also entered with a band lifted
            foreach (string promoted in pair["events"]!.AsArray().Select(e => (string)e!).Where(e => e.StartsWith("model_promoted ", StringComparison.Ordinal)))
                Assert.True((double)JsonNode.Parse(promoted["model_promoted ".Length..])!["metrics"]!["denoisedWindows"]! > 0, promoted);
            foreach (JsonNode? row in pair["rows"]!.AsArray())
            {
                Assert.InRange((double)row!["faultRecallAfter"]!, 0, 1);
                foreach (string baseline in new[] { "fullRetrainRecall", "thresholdOnlyRecall", "pcaRecall" })
                    Assert.InRange((double)row[baseline]!, 0, 1);
            }
            int allWindows = (int)pair["rows"]![2]!["faultWindows"]!;
            Assert.Equal(allWindows, (int)pair["rows"]![0]!["faultWindows"]! + (int)pair["rows"]![1]!["faultWindows"]!);
            foreach (JsonNode? job in pair["jobs"]!.AsArray())
            {
                Assert.True((double)job!["fullRetrainSeconds"]! > 0 && (double)job["adaptSeconds"]! > 0 && (double)job["streamSeconds"]! > 0
                    && (int)job["windows"]! >= 120, $"{name}: {job.ToJsonString()}");
                // The ratio is of the two refits' least times (the stream's own fit is reported beside them).
                Assert.Equal((double)job["fullRetrainSeconds"]! / (double)job["adaptSeconds"]!, (double)job["speedup"]!, 0.05 * (double)job["speedup"]!);
            }
        }
        // Both directions end well below the base's false alarms and keep most faults (re-centred inputs, probe guard by kind).
        foreach (JsonNode? pair in pairs)
        {
            Assert.True((double)pair!["falseAlarmRateAfter"]! < 0.05, pair.ToJsonString());
            Assert.True((double)pair["rows"]![2]!["faultRecallAfter"]! > 0.9, pair.ToJsonString());
        }
    }

    /// <summary>
    /// The threshold-free columns sit beside every row, and the dumped scores are the ones the pair was judged by: the
    /// final model's threshold over its held-back scores gives the pair's false alarms, over a fault group's its recall.
    /// </summary>
    static void AssertSeparationAndDump(JsonArray pairs, string dump)
    {
        foreach (JsonNode? pair in pairs)
        {
            string name = $"{pair!["source"]}-{pair["target"]}";
            JsonArray separation = pair["separation"]!.AsArray();
            Assert.Equal(pair["rows"]!.AsArray().Select(r => (string)r!["faults"]!), separation.Select(r => (string)r!["faults"]!));
            foreach (JsonNode? row in separation)
                foreach (string column in new[] { "finalAuc", "fullRetrainAuc", "finalRecallAtBudget", "fullRetrainRecallAtBudget", "fullRetrainRecallAtFinalFalseAlarms" })
                    Assert.InRange((double)row![column]!, 0, 1);
            JsonNode scores = JsonNode.Parse(File.ReadAllText(Path.Combine(dump, name + ".json")))!;
            float threshold = (float)scores["final"]!["threshold"]!;
            double Flagged(string set)
            {
                float[] s = [.. scores["final"]![set]!.AsArray().Select(v => (float)v!)];
                return Math.Round(s.Count(v => v > threshold) / (double)s.Length, 4);
            }
            Assert.Equal((double)pair["falseAlarmRateAfter"]!, Flagged("heldBack"));
            Assert.Equal((double)pair["rows"]![2]!["faultRecallAfter"]!, Flagged("fault:all"));
            Assert.True(scores["full"]!["jobFit"]!.AsArray().Count > 0, name);
        }
    }

    [Fact]
    public async Task Fault_windows_never_feed_a_drift_job_still_collecting_when_the_normal_stream_ends()
    {
        // Drift is declared after 89 windows; 1,000 more never come from the 835 normal windows streamed. Until session 6
        // the job went on collecting from the fault frames that follow, and fitted them.
        (int code, string output, string error) = await CliRunner.Run("adapt-eval", "--data", RepoPaths.DataSet("cooling-fan"),
            "--train", "env=noisy,state=normal", "--target", "env=silentA,state=normal", "--faults", "env=silentA,state=damage1",
            "--json", "--Adaptation:MinSamples", "1000");
        Assert.True(code == 0, error);
        JsonNode report = JsonNode.Parse(output)!;
        Assert.True((bool)report["driftDetected"]!);
        Assert.Equal(1, (int)report["modelVersionAfter"]!);
        Assert.DoesNotContain(report["events"]!.AsArray(), e => ((string)e!).StartsWith("training_started", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_field_with_one_value_is_a_usage_error()
    {
        (int code, _, string error) = await CliRunner.Run("adapt-eval", "--matrix", "--data", RepoPaths.DataSet("cooling-fan"),
            "--by", "fan", "--normal", "state=normal", "--faults-by", "state");
        Assert.Equal(2, code);
        Assert.Contains("--by fan needs at least two values", error);
    }
}
