using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Learning.Drift;

namespace SensorOdl.Daemon.Adaptation;

/// <summary>
/// One adaptation job from its claim to its verdict: the windows it will train on, and its collection — a fixed
/// number of windows, or (drift jobs with Adaptation:Coverage) until they cover the new normal.
/// </summary>
sealed class AdaptationJob(string id, string reason, double sinceS, int samplesWanted, string method, int epochs, double? episodeStartS = null)
{
    /// <summary>Where the episode's windows start: the first drift's onset, so that every new normal seen since is kept (TrainingRun adds the windows the version in use was fitted on).</summary>
    public double? EpisodeStartS { get; private set; } = episodeStartS;
    public string Id { get; } = id;
    public string Reason { get; } = reason;
    public double SinceS { get; private set; } = sinceS;
    public int SamplesWanted { get; } = samplesWanted;
    public string Method { get; } = method;
    public int Epochs { get; } = epochs;
    public int Collected { get; set; }
    public Task? Task { get; set; }
    public bool WantsCoverage { get; init; }
    /// <summary>The refine this job is (of an adapted version's episode), or null for a drift job or a retrain command.</summary>
    public DueRefine? Refines { get; init; }
    public bool IsRefine => Refines is not null;
    /// <summary>
    /// The version this job refits because its own fit did not cover its new normal — a refine of its false alarms, a
    /// refine or drift job after its watch found it over budget, or a drift declared while it was watched; null for a first
    /// fit of a change and a retrain command. For such a refit the probe guard may be waived
    /// (<see cref="SensorOdl.Learning.Anomaly.AdaptationOptions.WaiveProbesAbove"/>).
    /// </summary>
    public int? RefitsUncovered { get; init; }
    CollectionCoverage? _coverage;
    double _firstS;
    /// <summary>What the collection ended on (coverage reached, or the maximum wait), for the version's reason.</summary>
    string? _collectionNote;

    /// <summary>The reason, with how the collection ended when that is worth telling.</summary>
    public string Description => _collectionNote is { } note ? $"{Reason} ({note})" : Reason;

    /// <summary>The data clock was re-anchored: the job's data times move with the stored windows.</summary>
    public void ShiftBy(double offsetS)
    {
        SinceS += offsetS;
        if (EpisodeStartS is { } episode) EpisodeStartS = episode + offsetS;
    }

    /// <summary>Counts a stored window → true when the collection is complete, else the windows now <paramref name="wanted"/>.</summary>
    public bool Collect(double dataS, ReadOnlySpan<float> features, ActiveModel active, DaemonSettings settings, out int wanted)
    {
        Collected++;
        wanted = WantsCoverage ? Cover(dataS, features, active, settings) : SamplesWanted;
        return Collected >= wanted || _collectionNote is not null;
    }

    /// <summary>
    /// Adds the window to the coverage estimate → the windows now wanted; sets the collection note when the collection
    /// is covered or has waited Adaptation:MaxCollectMinutes of data time (it then trains on what is there).
    /// </summary>
    int Cover(double dataS, ReadOnlySpan<float> features, ActiveModel active, DaemonSettings settings)
    {
        if (_coverage is null)
        {
            float[] std = active.Current.Model.Std;
            float[] scale = std.Length == features.Length ? std : [.. Enumerable.Repeat(1f, features.Length)];
            _coverage = new CollectionCoverage(scale, SamplesWanted, Math.Max(SamplesWanted, settings.Storage.SampleCapacity));
            _firstS = dataS;
        }
        _coverage.Add(features);
        double waitedMinutes = (dataS - _firstS) / 60;
        if (_coverage.Covered)
            _collectionNote = $"covered after {_coverage.Count} windows ({_coverage.NewRegions} new region(s) seen while collecting)";
        else if (waitedMinutes >= settings.Adaptation.MaxCollectMinutes)
            _collectionNote = $"not covered after {settings.Adaptation.MaxCollectMinutes:0.#} min ({_coverage.Count} of {_coverage.Wanted} windows wanted, " +
                $"{_coverage.NewRegions} new region(s)): trained on what was there";
        return _coverage.Wanted;
    }
}
