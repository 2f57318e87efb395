using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Adaptation;

/// <summary>
/// After a drift job's version is promoted: for <c>Adaptation:RefineMinutes</c> of data time from the first window it
/// scores, counts the windows and those it flags. When it flags more than <see cref="Factor"/> times its false-alarm
/// budget lets through by chance (<see cref="ValidationSplit.ExceedsBudget"/>: binomial, 1 % significance) over at least
/// <paramref name="minWindows"/>, its windows did not cover the new normal (a speed, a load, a take that came after them, too few to declare drift
/// again): the coordinator refits on every window of the episode the version was fitted on, the windows since included.
/// A fault that starts in this span is refitted too, as a drift would be; the known-fault and probe guards judge that
/// candidate like any other.
/// <para>
/// When it flags fewer than half its budget would let through by chance (binomial, 1 %: none of about 920 windows, one of
/// 1,300), its threshold sits above its new normal's tail and it is blinder to a fault than its budget asks: the coordinator
/// refits the same episode as a recalibration (<see cref="SensorOdl.Learning.Anomaly.AdaptationOptions.Recalibrates"/>),
/// its threshold read from the windows since as well.
/// </para>
/// </summary>
sealed class RefineWatch(double episodeStartS, int version, double minutes, int minWindows, double budget)
{
    /// <summary>
    /// A version is refitted only when it flags more than twice its budget — the bar adapt-eval holds false alarms to.
    /// At the budget itself a long watch finds every small excess significant: on rooms-all streamed twice, noisy → hum60's
    /// version at 1.7 % was refitted to 0.8 % and lost 12 points of damage2 recall (docs/BENCHMARKS.md, issue 9 session 7).
    /// </summary>
    public const double Factor = 2;

    double? _untilS, _lastS;
    /// <summary>Data seconds this version was watched before a restart (<see cref="Resume"/>).</summary>
    double _resumedS;

    public double EpisodeStartS { get; private set; } = episodeStartS;
    public int Version { get; } = version;
    public long Windows { get; private set; }
    public long Flagged { get; private set; }
    public bool Over { get; private set; }
    public double Share => Windows == 0 ? 0 : (double)Flagged / Windows;
    /// <summary>Data seconds of this version's windows watched so far.</summary>
    public double ElapsedS => _untilS is { } until && _lastS is { } last ? last - (until - minutes * 60) : _resumedS;

    /// <summary>After a restart: the watch goes on from where it stood, not from its start (nor over, for the hours the device was off).</summary>
    public void Resume(double elapsedS, long windows, long flagged)
    {
        _resumedS = elapsedS;
        Windows = windows;
        Flagged = flagged;
    }

    /// <summary>One window the version scored → whether a refit is due, and why (once; the watch is then over).</summary>
    public WatchFinding Observe(double dataS, bool flagged)
    {
        if (Over) return WatchFinding.None;
        _untilS ??= dataS + minutes * 60 - _resumedS;
        _lastS = dataS;
        if (dataS >= _untilS)
        {
            Over = true;
            return WatchFinding.None;
        }
        Windows++;
        if (flagged) Flagged++;
        if (Windows < minWindows) return WatchFinding.None;
        WatchFinding finding = ValidationSplit.ExceedsBudget(Share, (int)Windows, Factor * budget) ? WatchFinding.OverBudget
            : ValidationSplit.UnderRate(Flagged, Windows, budget / Factor) ? WatchFinding.UnderBudget
            : WatchFinding.None;
        Over = finding != WatchFinding.None;
        return finding;
    }

    /// <summary>The data clock was re-anchored: the episode's start and the watch's end move with the stored windows.</summary>
    public void ShiftBy(double offsetS)
    {
        EpisodeStartS += offsetS;
        if (_untilS is { } until) _untilS = until + offsetS;
        if (_lastS is { } last) _lastS = last + offsetS;
    }
}

/// <summary>What a <see cref="RefineWatch"/> found: nothing (yet), a version over twice its budget, or one under half of it.</summary>
enum WatchFinding
{
    None,
    OverBudget,
    UnderBudget,
}
