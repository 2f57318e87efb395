using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Adaptation;

/// <summary>
/// A refine that came due for a promoted version: refit every window of the drift episode it was fitted on (from
/// <see cref="EpisodeStartS"/>, the windows since included), for <see cref="Reason"/> — its false alarms
/// (<see cref="RefineWatch"/>), a probe kind it passed only by the network without adapters' cap
/// (<c>Adaptation:ProbeRefine</c>, <see cref="ProbeKind"/>), or a threshold to read again (<see cref="Recalibrates"/>): one
/// read from few held-out windows (<c>Adaptation:RecalibrateBelow</c>), or one the watch found far under its budget.
/// </summary>
sealed class DueRefine(double episodeStartS, int version, string reason, ProbeKindVerdict? shortOfRoom = null, bool recalibrates = false)
{
    public double EpisodeStartS { get; private set; } = episodeStartS;
    public int Version { get; } = version;
    public string Reason { get; } = reason;
    /// <summary>The probe kind the version passed only by the unadapted cap; null for the watch's refine.</summary>
    public ProbeKindVerdict? ShortOfRoom { get; } = shortOfRoom;
    /// <summary>Its refit is judged on those probes (<see cref="AdaptationOptions.RefineForProbe"/>).</summary>
    public string? ProbeKind => ShortOfRoom?.Kind;
    /// <summary>Its refit is judged as a recalibration (<see cref="AdaptationOptions.Recalibrates"/>).</summary>
    public bool Recalibrates { get; } = recalibrates;

    /// <summary>The data clock was re-anchored: the episode's start moves with the stored windows.</summary>
    public void ShiftBy(double offsetS) => EpisodeStartS += offsetS;
}
