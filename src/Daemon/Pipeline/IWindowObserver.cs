namespace SensorOdl.Daemon.Pipeline;

/// <summary>
/// What the monitor tells the rest of the daemon about the stream, on the pipeline thread, in data-clock
/// seconds. The adaptation coordinator listens; the monitor knows nothing of it.
/// </summary>
public interface IWindowObserver
{
    /// <summary>Drift was declared at this window.</summary>
    void OnDriftDetected(double dataS);

    /// <summary>This window entered the sample store.</summary>
    void OnSampleStored(double dataS);

    /// <summary>Every scored window, after the two above; <paramref name="driftDetected"/> is the detector's state.</summary>
    void OnWindowScored(double dataS, bool driftDetected);
}
