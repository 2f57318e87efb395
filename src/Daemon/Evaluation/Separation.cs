using System.Text.Json;
using SensorOdl.Daemon.Adaptation;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Evaluation;

/// <summary>
/// Threshold or separability: how well the final model and the full retrain tell one fault group from the held-back
/// normal windows, independent of where each model's threshold sits.
/// </summary>
/// <param name="FinalAuc">P(a fault window scores above a held-back normal one) for the final model (ties count ½).</param>
/// <param name="FinalRecallAtBudget">The final model's recall at the held-back windows' own (1 − budget) quantile — what a
/// perfectly placed threshold would catch.</param>
/// <param name="FullRetrainRecallAtFinalFalseAlarms">The full retrain's recall at a threshold letting through the share of
/// held-back windows the final model does: the two models compared at equal false alarms.</param>
public sealed record SeparationRow(string Faults, double FinalAuc, double FullRetrainAuc,
    double FinalRecallAtBudget, double FullRetrainRecallAtBudget, double FullRetrainRecallAtFinalFalseAlarms);

public static class Separation
{
    /// <summary>One row per fault group; <paramref name="full"/> null (no job) gives NaN in its columns.</summary>
    public static IReadOnlyList<SeparationRow> Of(AdaptScenario scenario, AnomalyModel? full, double budget)
    {
        float[] finalNormal = AdaptScenario.Scores(scenario.Final, scenario.HeldBack.Features, scenario.HeldBack.Count);
        float[]? fullNormal = full is null ? null : AdaptScenario.Scores(full, scenario.HeldBack.Features, scenario.HeldBack.Count);
        double finalFalseAlarms = Share(finalNormal, scenario.Final.Threshold);
        return [.. scenario.Faults.Select(group =>
        {
            float[] finalFaults = AdaptScenario.Scores(scenario.Final, group.Value.Features, group.Value.Count);
            float[]? fullFaults = full is null ? null : AdaptScenario.Scores(full, group.Value.Features, group.Value.Count);
            return new SeparationRow(group.Key,
                Round(Auc(finalNormal, finalFaults)),
                fullNormal is null ? double.NaN : Round(Auc(fullNormal, fullFaults!)),
                Round(RecallAtFalseAlarms(finalNormal, finalFaults, budget)),
                fullNormal is null ? double.NaN : Round(RecallAtFalseAlarms(fullNormal, fullFaults!, budget)),
                fullNormal is null ? double.NaN : Round(RecallAtFalseAlarms(fullNormal, fullFaults!, finalFalseAlarms)));
        })];
    }

    /// <summary>
    /// The final model's and the full retrain's thresholds and scores — on the held-back normal windows, each fault group,
    /// and the judged job's own windows by their role in its split — as <paramref name="file"/> in <paramref name="directory"/>.
    /// </summary>
    public static void Dump(string directory, string file, AdaptScenario scenario, AnomalyModel? full, FinishedJob? job, Validation validation)
    {
        Directory.CreateDirectory(directory);
        using var stream = File.Create(Path.Combine(directory, file));
        using var json = new Utf8JsonWriter(stream);
        json.WriteStartObject();
        // The base on the target's streamed windows in stream order, with its reference median: where the data left its normal.
        json.WriteStartObject("base");
        json.WriteNumber("threshold", scenario.Base.Threshold);
        json.WriteNumber("referenceMedian", scenario.Base.Reference.ScoreMedian);
        Scores(json, "streamed", AdaptScenario.Scores(scenario.Base, scenario.Streamed.Features, scenario.Streamed.Count));
        Scores(json, "source", AdaptScenario.Scores(scenario.Base, scenario.Source.Features, scenario.Source.Count));
        json.WriteEndObject();
        foreach ((string label, AnomalyModel? model) in new[] { ("final", (AnomalyModel?)scenario.Final), ("full", full) })
        {
            if (model is null) continue;
            json.WriteStartObject(label);
            json.WriteNumber("threshold", model.Threshold);
            Scores(json, "heldBack", AdaptScenario.Scores(model, scenario.HeldBack.Features, scenario.HeldBack.Count));
            // In stream order: with the judged job's newest sample id (ids count the stored windows from 1), which of
            // them came after its fit.
            Scores(json, "streamed", AdaptScenario.Scores(model, scenario.Streamed.Features, scenario.Streamed.Count));
            foreach ((string group, WindowSet windows) in scenario.Faults) Scores(json, "fault:" + group, AdaptScenario.Scores(model, windows.Features, windows.Count));
            if (job is not null)
            {
                json.WriteNumber("jobNewestId", job.Ids.Max());
                float[] scores = AdaptScenario.Scores(model, job.Features, job.Ids.Length);
                (int[] validating, int[] calibrating, int[] fitting) = ValidationSplit.Of(job.Ids.Length, validation);
                Scores(json, "jobValidation", [.. validating.Select(i => scores[i])]);
                Scores(json, "jobCalibration", [.. calibrating.Select(i => scores[i])]);
                Scores(json, "jobFit", [.. fitting.Select(i => scores[i])]);
            }
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    static void Scores(Utf8JsonWriter json, string name, float[] scores)
    {
        json.WriteStartArray(name);
        foreach (float s in scores) json.WriteNumberValue(s);
        json.WriteEndArray();
    }

    /// <summary>Mann–Whitney: the share of (normal, fault) pairs where the fault scores higher, ties ½.</summary>
    public static double Auc(float[] normal, float[] faults)
    {
        if (normal.Length == 0 || faults.Length == 0) return double.NaN;
        float[] sorted = [.. normal.Order()];
        double sum = 0;
        foreach (float f in faults)
        {
            int below = LowerBound(sorted, f), notAbove = UpperBound(sorted, f);
            sum += below + 0.5 * (notAbove - below);
        }
        return sum / ((double)normal.Length * faults.Length);
    }

    /// <summary>
    /// The share of fault scores above the threshold that lets at most <paramref name="falseAlarms"/> of the normal
    /// scores through: the ⌊share · n⌋-th largest normal score (the largest one when the share rounds to none).
    /// </summary>
    public static double RecallAtFalseAlarms(float[] normal, float[] faults, double falseAlarms)
    {
        if (normal.Length == 0 || faults.Length == 0) return double.NaN;
        float[] sorted = [.. normal.OrderDescending()];
        int allowed = Math.Clamp((int)Math.Floor(falseAlarms * normal.Length + 1e-9), 0, normal.Length - 1);
        float threshold = sorted[allowed];
        return Share(faults, threshold);
    }

    static double Share(float[] scores, float threshold) => scores.Length == 0 ? 0 : scores.Count(s => s > threshold) / (double)scores.Length;

    static double Round(double x) => double.IsNaN(x) ? x : Math.Round(x, 4);

    static int LowerBound(float[] sorted, float x)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi) { int mid = (lo + hi) >>> 1; if (sorted[mid] < x) lo = mid + 1; else hi = mid; }
        return lo;
    }

    static int UpperBound(float[] sorted, float x)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi) { int mid = (lo + hi) >>> 1; if (sorted[mid] <= x) lo = mid + 1; else hi = mid; }
        return lo;
    }
}
