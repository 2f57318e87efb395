namespace SensorOdl.Learning.Anomaly;

/// <summary>
/// The k-of-n rule that turns per-window verdicts into an anomaly state: on when at least
/// <c>raiseAfter</c> of the last <c>window</c> windows were above threshold, off again after
/// <c>clearAfter</c> normal windows in a row. Events fire on transitions only.
/// </summary>
public sealed class AnomalyRule(int raiseAfter = 3, int window = 5, int clearAfter = 5)
{
    readonly Queue<bool> _recent = new();
    int _above, _normalRun;

    public bool Active { get; private set; }

    /// <summary>Feeds one window; returns true when the state changed.</summary>
    public bool Observe(bool anomalous)
    {
        _recent.Enqueue(anomalous);
        if (anomalous) _above++;
        if (_recent.Count > window && _recent.Dequeue()) _above--;
        _normalRun = anomalous ? 0 : _normalRun + 1;
        bool next = Active ? _normalRun < clearAfter : _above >= raiseAfter;
        if (next == Active) return false;
        Active = next;
        return true;
    }

    public void Reset()
    {
        _recent.Clear();
        _above = 0;
        _normalRun = 0;
        Active = false;
    }
}
