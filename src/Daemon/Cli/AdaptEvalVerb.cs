using System.Globalization;
using System.Text;
using SensorOdl.Daemon.Evaluation;
using SensorOdl.Daemon.Configuration;

namespace SensorOdl.Daemon.Cli;

/// <summary>`sensorodl adapt-eval` (docs/CONTRACT.md §6).</summary>
public sealed class AdaptEvalVerb : IVerb
{
    public string Name => "adapt-eval";
    public string Summary => "replay a source → target scenario through the daemon's pipeline and report adaptation metrics";
    public string Help => """
        usage: sensorodl adapt-eval --data DIR --train FILTER --target FILTER --faults FILTER
                                    [--exemplars FILTER] [--compare full,threshold] [--json] [--out FILE]
               sensorodl adapt-eval --matrix --data DIR --by FIELD --normal FILTER --faults-by FIELD2
                                    [--epochs N] [--timing-repeats N] [--timing-seconds S] [--dump-scores DIR] [--json] [--out FILE]

        Trains a base on --train, streams half the 20-frame blocks of --target (even blocks of the 1st, 3rd, …
        recording, odd blocks of the others) through the daemon's pipeline
        (drift detection, collection, Skip2-LoRA adaptation, validation, promotion) on the recordings' clock,
        then the --faults frames with adaptation off, and scores the held-back blocks and the fault frames
        (where the fan turns) with the base and with the final model. --compare adds a full retrain of every
        weight on the same windows and a threshold-only recalibration. Settings such as
        --Adaptation:Method, --Adaptation:MinSamples or --Drift:Persistence apply as in the daemon.

        --matrix runs that protocol for every ordered pair (a, b) of the values FIELD takes among the
        recordings FILTER selects: train on FILTER,FIELD=a, adapt to FILTER,FIELD=b, and judge recall on
        b's recordings of every FIELD2 value FILTER excludes (one row each, and one for all together),
        beside a full retrain, a threshold-only recalibration and a PCA detector on the same windows, with
        Skip2-LoRA's time against the full retrain's for every adaptation job (both refitted on the job's
        windows from the base, one thread, alternately --timing-repeats times, default 3, and more until the
        full retrains have run --timing-seconds together, default 1, at most 50; the least time of each).
        --epochs sets the base's training epochs (default the trainer's). --dump-scores writes each pair's scores (final model and
        full retrain, on held-back, fault and job windows) to DIR/SOURCE-TARGET.json, for diagnosis.
        Fan data: --by env --normal state=normal --faults-by state.

        """;

    public Task<int> RunAsync(ParsedArguments arguments, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        DaemonSettings settings = arguments.LoadSettings();
        string Required(string name) => arguments.String(name) ?? throw new UsageException($"--{name} is required.");
        if (arguments.Has("matrix"))
        {
            var matrix = new MatrixOptions(Required("data"), Required("by"), Required("normal"), Required("faults-by"),
                arguments.Int("epochs", new Learning.Anomaly.AnomalyTrainingOptions().Training.Epochs, 1, 10_000), arguments.String("dump-scores"),
                arguments.Int("timing-repeats", 3, 1, 100), arguments.Float("timing-seconds", 1, 0));
            arguments.String("out");
            arguments.Has("json");
            arguments.RejectUnknown();
            MatrixReport result = new AdaptEvalMatrix(settings, matrix, stderr).Run(cancellation);
            ReportOutput.Write(result, AdaptEvalMatrixTable.Format(result), arguments, stdout);
            return Task.FromResult(0);
        }
        var options = new AdaptEvalOptions(Required("data"), Required("train"), Required("target"), Required("faults"),
            arguments.String("exemplars"), arguments.List("compare", []));
        string? unknown = options.Compare.FirstOrDefault(c => c is not ("full" or "threshold"));
        if (unknown is not null) throw new UsageException($"--compare takes full and/or threshold, not '{unknown}'.");
        arguments.String("out");
        arguments.Has("json");
        arguments.RejectUnknown();
        AdaptEvalReport report = new AdaptEvaluation(settings, options, stderr).Run(cancellation);
        ReportOutput.Write(report, Table(report), arguments, stdout);
        return Task.FromResult(0);
    }

    static string Table(AdaptEvalReport r)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"source {r.Source} → target {r.Target}; faults {r.Faults}");
        text.AppendLine(CultureInfo.InvariantCulture, $"streamed {r.StreamedWindows} windows, held back {r.HeldBackWindows}, {r.FaultWindows} fault windows with the fan turning");
        text.AppendLine(CultureInfo.InvariantCulture, $"{"",-22} {"false alarms",12} {"fault recall",12} {"seconds",8}");
        text.AppendLine(CultureInfo.InvariantCulture, $"{"before (base)",-22} {r.FalseAlarmRateBefore,12:P1} {r.FaultRecallBefore,12:P1}");
        text.AppendLine(CultureInfo.InvariantCulture, $"{$"after (version {r.ModelVersionAfter})",-22} {r.FalseAlarmRateAfter,12:P1} {r.FaultRecallAfter,12:P1} {r.AdaptSeconds,8:F3}");
        foreach ((string name, CompareResult c) in r.Compare ?? [])
            text.AppendLine(CultureInfo.InvariantCulture, $"{"compare " + name,-22} {c.FalseAlarmRateAfter,12:P1} {c.FaultRecallAfter,12:P1} {c.AdaptSeconds,8:F3}");
        text.AppendLine(CultureInfo.InvariantCulture, $"drift detected: {(r.DriftDetected ? $"yes, after {r.DriftDelayWindows} windows" : "no")}; promoted: {r.Promoted}; rejected: {r.Rejected}");
        return text.ToString();
    }
}
