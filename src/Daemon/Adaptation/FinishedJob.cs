using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Adaptation;

/// <summary>A job that ran to a verdict: the windows it fitted ([n, d] features, their sample ids), the fine-tune's seconds, and the verdict.</summary>
public sealed record FinishedJob(string Id, float[] Features, long[] Ids, double Seconds, bool Promoted, string Reason, ProbeVerdict? Probes = null)
{
    public double? ProbeRecallReference => Probes?.Reference;
    public double? ProbeRecall => Probes?.Recall;
}
