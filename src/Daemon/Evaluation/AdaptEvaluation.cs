using SensorOdl.Daemon.Configuration;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Evaluation;

public sealed record CompareResult(double FalseAlarmRateAfter, double FaultRecallAfter, double AdaptSeconds);

/// <summary>docs/CONTRACT.md §6 JSON.</summary>
public sealed record AdaptEvalReport(
    string Source, string Target, double FalseAlarmRateBefore, double FalseAlarmRateAfter, double FaultRecallBefore, double FaultRecallAfter,
    bool DriftDetected, long DriftDelayWindows, double AdaptSeconds, int ModelVersionAfter, bool Promoted, int Rejected,
    Dictionary<string, CompareResult>? Compare, string Faults, int StreamedWindows, int HeldBackWindows, int FaultWindows,
    IReadOnlyList<string> Events);

public sealed record AdaptEvalOptions(string Data, string Train, string Target, string Faults, string? Exemplars, IReadOnlyList<string> Compare);

/// <summary>
/// `adapt-eval`: the source → target protocol of docs/CONTRACT.md §6 (one <see cref="AdaptScenario"/> with
/// one fault group), with the full-retrain and threshold-only comparisons on request.
/// </summary>
public sealed class AdaptEvaluation(DaemonSettings settings, AdaptEvalOptions options, TextWriter log)
{
    const string FaultGroup = "faults";

    public AdaptEvalReport Run(CancellationToken cancellation)
    {
        var request = new ScenarioRequest(options.Data, options.Train, options.Target, [new FaultGroup(FaultGroup, options.Faults)],
            options.Exemplars, new AnomalyTrainingOptions().Training.Epochs);
        AdaptScenario scenario = AdaptScenario.Run(settings, request, log, cancellation);
        var baselines = new AdaptBaselines(settings, scenario);

        Dictionary<string, CompareResult>? compare = null;
        if (options.Compare.Count > 0)
        {
            compare = [];
            if (options.Compare.Contains("full"))
                compare["full"] = scenario.Jobs.LastOrDefault() is { } job ? Compared(baselines.FullRetrainVerdict(job)) : new CompareResult(double.NaN, double.NaN, 0);
            if (options.Compare.Contains("threshold")) compare["threshold"] = Compared(baselines.ThresholdOnly());
        }
        return new AdaptEvalReport(options.Train, options.Target,
            scenario.FalseAlarms(scenario.Base), scenario.FalseAlarms(scenario.Final),
            scenario.Recall(scenario.Base, FaultGroup), scenario.Recall(scenario.Final, FaultGroup),
            scenario.DriftDelayWindows >= 0, scenario.DriftDelayWindows, Math.Round(scenario.Jobs.LastOrDefault()?.Seconds ?? 0, 3),
            scenario.FinalVersion, scenario.Promoted > 0, scenario.Rejected, compare, options.Faults,
            scenario.Streamed.Count, scenario.HeldBack.Count, scenario.Faults[FaultGroup].Count,
            [.. scenario.Events.Where(e => e.Type is not ("anomaly" or "anomaly_cleared")).Select(e => e.Fields is null ? e.Type : $"{e.Type} {e.Fields.ToJsonString()}")]);
    }

    static CompareResult Compared(BaselineResult result) =>
        new(result.FalseAlarmRateAfter, result.FaultRecallAfter[FaultGroup], result.Seconds);
}
