using SensorOdl.Daemon.Pipeline;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Adaptation;

/// <summary>What a probation saw: windows both versions scored and how many each flagged.</summary>
public readonly record struct ProbationCounts(long Windows, long NewFlagged, long OldFlagged)
{
    public double NewShare => Windows == 0 ? 0 : (double)NewFlagged / Windows;
    public double OldShare => Windows == 0 ? 0 : (double)OldFlagged / Windows;

    public static ProbationCounts operator +(ProbationCounts a, ProbationCounts b) =>
        new(a.Windows + b.Windows, a.NewFlagged + b.NewFlagged, a.OldFlagged + b.OldFlagged);

    /// <summary>
    /// What a version's validation saw, from its metrics: the held-back windows of its job (validationWindows), flagged by
    /// it (falseAlarmsAfter) and by the version it replaced (falseAlarmsBefore); none for a version without them (a pushed
    /// base, a record written before they were kept).
    /// </summary>
    public static ProbationCounts FromValidation(IReadOnlyDictionary<string, double> metrics)
    {
        if (!metrics.TryGetValue("validationWindows", out double windows) || !metrics.TryGetValue("falseAlarmsAfter", out double after)
            || !metrics.TryGetValue("falseAlarmsBefore", out double before) || !(windows >= 1)) return default;
        return new((long)windows, (long)Math.Round(after * windows), (long)Math.Round(before * windows));
    }
}

/// <summary>
/// After a promotion, the previous version scores every window the new one scores, for
/// <c>Adaptation:ProbationMinutes</c> of data time from the first. When the new version flags at least
/// <see cref="MinFlagged"/> windows and more than <c>Adaptation:ProbationFactor</c> times the previous one's share,
/// <paramref name="failed"/> is called once (it rolls back) — but only while the previous version calls the windows since
/// the promotion normal: it flags at most <c>ProbationFactor</c> × the false-alarm budget of them. The new version's extra
/// alarms are false only if they are; when the previous version itself alarms on them, something both see has begun (a
/// fault, or a condition new to both), and the previous version may be the one that misses it: a probe refine that caught
/// 85–90 % of a slower fan's damage was rolled back to the version that caught 33–44 % when the fault began inside its
/// probation (docs/BENCHMARKS.md, issue 9 session 11). A version that flags less is the probe guard's business, not this one's;
/// one that flags no more than its own budget lets through by chance (<see cref="ValidationSplit.ExceedsBudget"/>) is not
/// condemned either: a recalibration (<see cref="AdaptationOptions.Recalibrates"/>) lowers a threshold that sat above the
/// normal tail, and the version it replaces flagged none of the windows its successor flags at 1 %.
/// The tally starts from <paramref name="validation"/>: the held-back windows of the new version's own job, which
/// neither version fitted. A version promoted because the previous one flagged 44 % of a drifted room is not rolled
/// back to it for flagging 10 of the next 72 windows that the previous one happens to pass (noisy → mix050 in session 6).
/// Runs on the pipeline thread.
/// </summary>
public sealed class Probation(AnomalyModel previous, double minutes, double factor, double falseAlarmBudget, Action<ProbationCounts, double> failed,
    ProbationCounts validation = default) : IShadowScorer
{
    /// <summary>The new version must flag at least this many windows before a share can condemn it.</summary>
    public const int MinFlagged = 10;

    readonly AnomalyModel _previous = previous.ForAnotherThread();
    double? _startS, _lastS;
    /// <summary>Data seconds of probation before a restart (<see cref="Resume"/>).</summary>
    double _resumedS;
    long _windows, _newFlagged, _oldFlagged;

    public bool Over { get; private set; }
    /// <summary>Data seconds of windows this probation has scored.</summary>
    public double ElapsedS => _startS is { } start && _lastS is { } last ? last - start : _resumedS;

    /// <summary>After a restart: the probation goes on from where it stood (its windows since the promotion, its elapsed data time).</summary>
    public void Resume(ProbationCounts since, double elapsedS)
    {
        (_windows, _newFlagged, _oldFlagged) = (since.Windows, since.NewFlagged, since.OldFlagged);
        _resumedS = elapsedS;
    }
    /// <summary>The windows scored since the promotion.</summary>
    public ProbationCounts Since => new(_windows, _newFlagged, _oldFlagged);
    /// <summary>What the verdict weighs: the validation windows and those since.</summary>
    public ProbationCounts Counts => validation + Since;

    /// <summary>The previous version flags at most <paramref name="factor"/> × its budget of the windows since the promotion.</summary>
    bool OldCallsThemNormal(double factor) => _oldFlagged <= factor * falseAlarmBudget * _windows;

    public void Observe(float[] features, bool flagged, double dataS)
    {
        if (Over) return;
        _startS ??= dataS - _resumedS;
        _lastS = dataS;
        if (dataS - _startS.Value >= minutes * 60)
        {
            Over = true;
            return;
        }
        float oldScore = _previous.Score(features);
        bool oldFlagged = !float.IsFinite(oldScore) || oldScore > _previous.Threshold;
        _windows++;
        if (flagged) _newFlagged++;
        if (oldFlagged) _oldFlagged++;
        ProbationCounts counts = Counts;
        if (counts.NewFlagged >= MinFlagged && counts.NewFlagged > factor * counts.OldFlagged && OldCallsThemNormal(factor)
            && ValidationSplit.ExceedsBudget(counts.NewShare, (int)counts.Windows, falseAlarmBudget))
        {
            Over = true;
            failed(Counts, dataS);
        }
    }
}
