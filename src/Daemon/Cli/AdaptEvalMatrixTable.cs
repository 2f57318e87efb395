using System.Globalization;
using System.Text;
using SensorOdl.Daemon.Evaluation;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Cli;

/// <summary>The `adapt-eval --matrix` table: one line per pair and fault kind, then each pair's jobs.</summary>
public static class AdaptEvalMatrixTable
{
    public static string Format(MatrixReport report)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{report.Data}: by {report.By}, normal {report.Normal}, faults by {report.FaultsBy}");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{"source → target",-24} {"faults",-10} {"FA before",9} {"FA after",8} {"recall before",13} {"recall after",12} {"full",14} {"threshold",14} {"PCA",14} {"drift",6} {"prom/rej",8}");
        foreach (MatrixPair pair in report.Pairs)
            foreach (MatrixRow row in pair.Rows)
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"{pair.Source + " → " + pair.Target,-24} {row.Faults,-10} {pair.FalseAlarmRateBefore,9:P1} {pair.FalseAlarmRateAfter,8:P1} {row.FaultRecallBefore,13:P1} {row.FaultRecallAfter,12:P1} " +
                    $"{Pair(pair.FullRetrainFalseAlarms, row.FullRetrainRecall),14} {Pair(pair.ThresholdOnlyFalseAlarms, row.ThresholdOnlyRecall),14} {Pair(pair.PcaFalseAlarms, row.PcaRecall),14} " +
                    $"{(pair.DriftDetected ? pair.DriftDelayWindows.ToString(CultureInfo.InvariantCulture) : "none"),6} {pair.Promoted + "/" + pair.Rejected,8}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"source → target",-24} {"job",-22} {"windows",7} {"skip2 s",8} {"full s",8} {"full/skip2",10}  verdict");
        foreach (MatrixPair pair in report.Pairs)
            foreach (MatrixJob job in pair.Jobs)
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"{pair.Source + " → " + pair.Target,-24} {job.Id,-22} {job.Windows,7} {job.AdaptSeconds,8:F3} {job.FullRetrainSeconds,8:F3} {job.Speedup,9:F1}×  {(job.Promoted ? "promoted" : "rejected")}: {job.Reason}");
        if (report.Pairs.Any(p => p.Attention is not null))
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"{"source → target",-24} attention once the target had streamed (status `attention`)");
            foreach (MatrixPair pair in report.Pairs.Where(p => p.Attention is not null))
                text.AppendLine(CultureInfo.InvariantCulture, $"{pair.Source + " → " + pair.Target,-24} {pair.Attention}");
        }
        if (report.Pairs.Any(p => p.Probes.Count > 0))
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{"source → target",-24} {"probe",-11} {"base/source",11} {"final/held",10} {"guard cand.",11} {"guard bar",9}  guard verdict (judged job)");
            foreach (MatrixPair pair in report.Pairs)
            {
                MatrixJob? judged = pair.Jobs.LastOrDefault(j => j.Promoted) ?? pair.Jobs.LastOrDefault();
                foreach (ProbeKindRecall probe in pair.Probes)
                {
                    ProbeKindVerdict? guard = judged?.ProbeKinds?.FirstOrDefault(k => k.Kind == probe.Kind);
                    string verdict = judged?.ProbePassed is bool passed ? (passed ? "passed" : "blind") + $" ({judged.ProbeWindows} windows)" : "no guard";
                    text.AppendLine(CultureInfo.InvariantCulture,
                        $"{pair.Source + " → " + pair.Target,-24} {probe.Kind,-11} {probe.BaseOnSource,11:P1} {probe.FinalOnTarget,10:P1} " +
                        $"{(guard is null ? "—" : guard.Candidate.ToString("P1", CultureInfo.InvariantCulture)),11} {(guard is null ? "—" : guard.Reference.ToString("P1", CultureInfo.InvariantCulture)),9}  {verdict}");
                }
            }
        }
        return text.ToString();
    }

    static string Pair(double falseAlarms, double recall) =>
        double.IsNaN(recall) ? "—" : string.Create(CultureInfo.InvariantCulture, $"{falseAlarms:P1}/{recall:P1}");
}
