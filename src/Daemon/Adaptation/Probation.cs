using SensorOdl.Daemon.Pipeline;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Adaptation;

/// <summary>What a probation saw: windows both versions scored and how many each flagged.</summary>
public readonly record struct ProbationCounts(long Windows, long NewFlagged, long OldFlagged)
{
    public double NewShare => Windows == 0 ? 0 : (double)NewFlagged / Windows;
    public double OldShare => Windows == 0 ? 0 : (double)OldFlagged / Windows;
}

/// <summary>
/// After a promotion, the previous version scores every window the new one scores, for
/// <c>Adaptation:ProbationMinutes</c> of data time from the first. When the new version flags at least
/// <see cref="MinFlagged"/> windows and more than <c>Adaptation:ProbationFactor</c> times the previous one's share,
/// <paramref name="failed"/> is called once (it rolls back). A real fault is flagged by both, so it does not count
/// against the new version; a version that flags less is the probe guard's business, not this one's.
/// Runs on the pipeline thread.
/// </summary>
public sealed class Probation(AnomalyModel previous, double minutes, double factor, Action<ProbationCounts, double> failed) : IShadowScorer
{
    /// <summary>The new version must flag at least this many windows before a share can condemn it.</summary>
    public const int MinFlagged = 10;

    readonly AnomalyModel _previous = previous.ForAnotherThread();
    double? _startS;
    long _windows, _newFlagged, _oldFlagged;

    public bool Over { get; private set; }
    public ProbationCounts Counts => new(_windows, _newFlagged, _oldFlagged);

    public void Observe(float[] features, bool flagged, double dataS)
    {
        if (Over) return;
        _startS ??= dataS;
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
        if (_newFlagged >= MinFlagged && _newFlagged > factor * _oldFlagged)
        {
            Over = true;
            failed(Counts, dataS);
        }
    }
}
