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

    /// <summary>Every scored window, after the two above; <paramref name="driftDetected"/> is the detector's state, <paramref name="flagged"/> whether the window scored over the threshold.</summary>
    void OnWindowScored(double dataS, bool driftDetected, bool flagged);
}
