namespace SensorOdl.Daemon.Pipeline;

/// <summary>
/// What the monitor tells the rest of the daemon about the stream, on the pipeline thread, in data-clock
/// seconds. The adaptation coordinator listens; the monitor knows nothing of it.
/// </summary>
public interface IWindowObserver
{
    /// <summary>Drift was declared at this window; the detector estimates the change began at <paramref name="onsetS"/>.</summary>
    void OnDriftDetected(double dataS, double onsetS);

    /// <summary>This window entered the sample store with these features (valid only during the call).</summary>
    void OnSampleStored(double dataS, ReadOnlySpan<float> features);

    /// <summary>
    /// Every scored window, after the two above: the <paramref name="version"/> that scored it, whether it scored over
    /// that version's threshold, and whether drift is declared.
    /// </summary>
    void OnWindowScored(double dataS, int version, bool flagged, bool driftDetected);
}
