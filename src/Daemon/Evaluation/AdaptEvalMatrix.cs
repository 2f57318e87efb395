using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Drivers.Recordings;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Evaluation;

/// <param name="DumpScores">A directory for each pair's scores (<see cref="Separation.Dump"/>, a diagnostic); null writes none.</param>
/// <param name="TimingRepeats">Fits of each side per job for the speed ratio, the least time of each counted (<see cref="AdaptBaselines.FitSeconds"/>).</param>
/// <param name="TimingSeconds">More fits than <paramref name="TimingRepeats"/> of each side, until the full retrains have run this long together.</param>
public sealed record MatrixOptions(string Data, string By, string Normal, string FaultsBy, int BaseEpochs, string? DumpScores = null, int TimingRepeats = 3,
    double TimingSeconds = 1);

/// <summary>One adaptation job of a pair: its windows, and Skip2-LoRA's time against a full retrain on the same windows (one thread each).</summary>
/// <param name="AdaptSeconds">The daemon's method's fit on the job's windows, the least of its timed fits (<see cref="MatrixOptions.TimingRepeats"/>, <see cref="MatrixOptions.TimingSeconds"/>).</param>
/// <param name="FullRetrainSeconds">The full retrain's fit on the same windows, the least of as many repeats.</param>
/// <param name="ProbeKinds">The probe guard's verdict kind by kind (candidate recall, nearest-neighbour share, bar); null where the guard did not run.</param>
/// <param name="ProbeWindows">How many held-back windows the guard's probes were made from.</param>
public sealed record MatrixJob(string Id, bool Promoted, string Reason, int Windows, double AdaptSeconds, double FullRetrainSeconds, double Speedup,
    double? ProbeRecallReference, double? ProbeRecall, IReadOnlyList<ProbeKindVerdict>? ProbeKinds = null, bool? ProbePassed = null, int ProbeWindows = 0)
{
    /// <summary>The job's own fit in the stream (once, in the daemon's code path, first calls included).</summary>
    public double StreamSeconds { get; init; }
}

/// <summary>One fault kind (or all together) in one pair.</summary>
public sealed record MatrixRow(string Faults, int FaultWindows, double FaultRecallBefore, double FaultRecallAfter,
    double FullRetrainRecall, double ThresholdOnlyRecall, double PcaRecall);

/// <summary>One kind of synthetic fault probe: the share the base flags of probes of its source windows, and the share the final model flags of probes of the target's held-back windows.</summary>
public sealed record ProbeKindRecall(string Kind, double BaseOnSource, double FinalOnTarget);

public sealed record MatrixPair(string Source, string Target, double FalseAlarmRateBefore, double FalseAlarmRateAfter,
    bool DriftDetected, long DriftDelayWindows, int Promoted, int Rejected, int ModelVersionAfter,
    double FullRetrainFalseAlarms, double ThresholdOnlyFalseAlarms, double PcaFalseAlarms,
    IReadOnlyList<MatrixJob> Jobs, IReadOnlyList<MatrixRow> Rows, IReadOnlyList<ProbeKindRecall> Probes, IReadOnlyList<string> Events)
{
    /// <summary>The share of the source's normal windows the final model flags: the machine back in its old condition (what rehearsal is for).</summary>
    public double SourceFalseAlarmsAfter { get; init; }
    /// <summary>What status `attention` said once the target had streamed (code: message), null when nothing: a pair that misses the bar should say so here.</summary>
    public string? Attention { get; init; }
    /// <summary>Threshold or separability, per fault group: AUC and recall at equal false alarms of the final model and the full retrain.</summary>
    public IReadOnlyList<SeparationRow>? Separation { get; init; }
}

public sealed record MatrixReport(string Data, string By, string Normal, string FaultsBy, IReadOnlyList<MatrixPair> Pairs);

/// <summary>
/// `adapt-eval --matrix`: every ordered pair (a, b) of the values of one field among the normal recordings —
/// train on a, adapt to b through the daemon's pipeline with its defaults, and judge on b's held-back normal
/// frames and on b's fault recordings, one row per fault value of the second field and one for all together,
/// beside three baselines on the same windows (full retrain, threshold-only, PCA).
/// </summary>
public sealed class AdaptEvalMatrix(DaemonSettings settings, MatrixOptions options, TextWriter log)
{
    public const string AllFaults = "all";

    public MatrixReport Run(CancellationToken cancellation)
    {
        RecordingManifest manifest = RecordingManifest.Load(options.Data);
        string[] values = [.. manifest.Select(options.Normal).Select(e => Field(e, options.By)).Distinct().Order(StringComparer.Ordinal)];
        if (values.Length < 2) throw new Training.TrainingDataException($"--by {options.By} needs at least two values among the recordings --normal selects (found {string.Join(", ", values)}).");
        string[] normalValues = [.. manifest.Select(options.Normal).Select(e => Field(e, options.FaultsBy)).Distinct()];
        string[] faultValues = [.. manifest.Recordings.Select(e => e.Text(options.FaultsBy)).OfType<string>()
            .Where(v => !normalValues.Contains(v)).Distinct().Order(StringComparer.Ordinal)];
        if (faultValues.Length == 0) throw new Training.TrainingDataException($"no recording has a {options.FaultsBy} value that --normal excludes.");

        var pairs = new List<MatrixPair>();
        foreach (string source in values)
            foreach (string target in values.Where(v => v != source))
            {
                log.WriteLine($"pair {options.By}={source} → {options.By}={target}");
                pairs.Add(Pair(source, target, faultValues, cancellation));
            }
        return new MatrixReport(options.Data, options.By, options.Normal, options.FaultsBy, pairs);
    }

    MatrixPair Pair(string source, string target, string[] faultValues, CancellationToken cancellation)
    {
        string others = string.Join(",", options.Normal.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(clause => !clause.StartsWith(options.FaultsBy + "=", StringComparison.Ordinal)));
        string Faults(string faultValues) => Join(others, $"{options.By}={target}", $"{options.FaultsBy}={faultValues}");
        List<FaultGroup> groups = [.. faultValues.Select(v => new FaultGroup(v, Faults(v)))];
        if (faultValues.Length > 1) groups.Add(new FaultGroup(AllFaults, Faults(string.Join("|", faultValues))));
        var request = new ScenarioRequest(options.Data, Join(options.Normal, $"{options.By}={source}"), Join(options.Normal, $"{options.By}={target}"),
            groups, null, options.BaseEpochs);
        AdaptScenario scenario = AdaptScenario.Run(settings, request, log, cancellation);
        var baselines = new AdaptBaselines(settings, scenario);

        var jobs = new List<MatrixJob>();
        BaselineResult? full = null;
        AnomalyModel? fullModel = null;
        FinishedJob? judged = scenario.LastPromotedJob ?? scenario.Jobs.LastOrDefault();
        foreach (FinishedJob job in scenario.Jobs)
        {
            (AnomalyModel retrained, double seconds) = baselines.FullRetrain(job);
            if (job == judged) (full, fullModel) = (baselines.Verdict(retrained, seconds), retrained);
            (double adaptFit, double fullFit) = baselines.FitSeconds(job, options.TimingRepeats, seconds, options.TimingSeconds);
            jobs.Add(new MatrixJob(job.Id, job.Promoted, job.Reason, job.Ids.Length, Math.Round(adaptFit, 3), Math.Round(fullFit, 3),
                Math.Round(fullFit / Math.Max(adaptFit, 1e-6), 2), job.ProbeRecallReference, job.ProbeRecall,
                job.Probes?.Kinds, job.Probes?.Passed, job.Probes?.Windows ?? 0) { StreamSeconds = Math.Round(job.Seconds, 3) });
        }
        if (options.DumpScores is { } dump)
            Evaluation.Separation.Dump(dump, $"{source}-{target}.json", scenario, fullModel, judged, settings.Adaptation.ValidationFor(scenario.Base.FeatureConfig));
        BaselineResult threshold = baselines.ThresholdOnly(), pca = baselines.Pca();
        List<MatrixRow> rows = [.. groups.Select(g => new MatrixRow(g.Name, scenario.Faults[g.Name].Count,
            scenario.Recall(scenario.Base, g.Name), scenario.Recall(scenario.Final, g.Name),
            full?.FaultRecallAfter[g.Name] ?? double.NaN, threshold.FaultRecallAfter[g.Name], pca.FaultRecallAfter[g.Name]))];
        return new MatrixPair(source, target, scenario.FalseAlarms(scenario.Base), scenario.FalseAlarms(scenario.Final),
            scenario.DriftDelayWindows >= 0, scenario.DriftDelayWindows, scenario.Promoted, scenario.Rejected, scenario.FinalVersion,
            full?.FalseAlarmRateAfter ?? double.NaN, threshold.FalseAlarmRateAfter, pca.FalseAlarmRateAfter, jobs, rows, ProbesByKind(scenario),
            [.. scenario.Events.Where(e => e.Type is not ("anomaly" or "anomaly_cleared")).Select(e => e.Fields is null ? e.Type : $"{e.Type} {e.Fields.ToJsonString()}")])
        {
            SourceFalseAlarmsAfter = AdaptScenario.Flagged(scenario.Final, scenario.Source, scenario.Final.Threshold),
            Attention = scenario.Attention is { } notice ? $"{notice.Code}: {notice.Message}" : null,
            Separation = Evaluation.Separation.Of(scenario, fullModel, settings.Anomaly.FalseAlarmBudget),
        };
    }

    /// <summary>How probe recall tracks real recall, kind by kind: spectra from the features, waveforms from the probes made of the raw windows.</summary>
    static IReadOnlyList<ProbeKindRecall> ProbesByKind(AdaptScenario scenario)
    {
        IReadOnlyList<string> kinds = new Drivers.Features.Probes.FaultProbes(scenario.Format).Names;
        double[] before, after;
        if (scenario.Source.Probes is { } sourceProbes && scenario.HeldBack.Probes is { } heldProbes)
        {
            before = FeatureProbes.RecallOfProbes(scenario.Base, sourceProbes, scenario.Source.ProbedWindows, kinds.Count);
            after = FeatureProbes.RecallOfProbes(scenario.Final, heldProbes, scenario.HeldBack.ProbedWindows, kinds.Count);
        }
        else if (FeatureProbes.For(scenario.Format) is { } probes)
        {
            before = FeatureProbes.RecallByKind(scenario.Base, probes, scenario.Source.Features, scenario.Source.Count);
            after = FeatureProbes.RecallByKind(scenario.Final, probes, scenario.HeldBack.Features, scenario.HeldBack.Count);
        }
        else return [];
        return [.. kinds.Select((kind, k) => new ProbeKindRecall(kind, Math.Round(before[k], 4), Math.Round(after[k], 4)))];
    }

    static string Field(RecordingEntry entry, string field) =>
        entry.Text(field) ?? throw new Training.TrainingDataException($"recording {entry.File} has no '{field}'.");

    static string Join(params string[] clauses) => string.Join(",", clauses.Where(c => c.Length > 0));
}
