namespace SensorOdl.Learning.Drift;

/// <summary>Drift detector settings (configuration section <c>Drift</c>).</summary>
public sealed record DriftSettings
{
    /// <summary>Windows in the sliding window the statistic is computed over.</summary>
    public int Window { get; init; } = 60;
    /// <summary>Share of the sliding window above the anomaly threshold that counts as "away from the reference".</summary>
    public double Level { get; init; } = 0.5;
    /// <summary>Consecutive windows the statistic must stay at or above the level before drift is declared.</summary>
    public int Persistence { get; init; } = 30;

    public void Validate()
    {
        if (Window < 5) throw new ArgumentException("Drift:Window must be at least 5.");
        if (!(Level > 0 && Level < 1)) throw new ArgumentException("Drift:Level must be between 0 and 1.");
        if (Persistence < 1) throw new ArgumentException("Drift:Persistence must be at least 1.");
    }
}

public enum DriftChange
{
    None,
    Detected,
    Cleared,
}

/// <summary>
/// Declares drift when the share of recent windows scoring above the model's threshold stays at or above a
/// level for a persistence period: a persistent move of the data away from what the model calls normal. A
/// short anomaly burst fills part of the sliding window for a short time and is not drift. Drift is declared
/// once, and cleared when the statistic (and the shift share below) falls below half its level for the persistence
/// period, or when a new model version resets the detector. Beside it a <see cref="ChangeOnset"/> estimates where the change
/// began, so that the windows between the onset and the declaration count as the new normal too.
/// <para>
/// The flags alone date a change late when part of the new normal still scores under the threshold (a fan speed
/// the other room's noise hardly touches): those windows reset the flag CUSUM, and the episode starts at the last
/// run of flagged ones. Given the model's reference median score, a second CUSUM tests the share of windows
/// scoring above that median — ½ on the data the model calls normal — against <see cref="ShiftedRate"/>; when it is in
/// an excursion at the declaration, the earlier of the two onsets is where the change began.
/// </para>
/// <para>
/// A room whose new normal moves every score up but only a few of them over the threshold (a quiet room the model was
/// not trained in: 10–40 % of its windows flagged, the drift level never reached, the device alarming for good) is
/// declared too: given the model's reference 90th percentile, drift is also declared when the share of the sliding
/// window scoring above it stays at or above <see cref="ShiftLevel"/> for the persistence period — nine times the tenth
/// the model's own normal puts there — while the model alarms on at least <see cref="AlarmingFactor"/> times its
/// false-alarm budget of it (at most half the level). A shift the threshold lets pass needs no new version; a normal
/// condition that was rare in the training windows (under a tenth of them) and scores above most of them is declared
/// when it is held that long and alarms, as it would be by the flags once it alarms on half its windows. Cleared when
/// both shares are under half their levels.
/// </para>
/// </summary>
public sealed class DriftDetector
{
    readonly DriftSettings _settings;
    readonly Queue<(bool Above, bool High)> _recent = new();
    readonly ChangeOnset _onset;
    readonly ChangeOnset _shift = new(0.5, ShiftedRate);
    readonly double _alarmingRate;
    int _above, _high, _run;

    /// <summary>
    /// The share of windows above the reference median that counts as a shifted score distribution. The CUSUM's
    /// increments (+ln(0.9/0.5) above, ln(0.1/0.5) below) sum to zero at 73 % above: an excursion lasts while nearly
    /// every window scores above the old median, and dies within a few windows on data scored as the reference was.
    /// </summary>
    public const double ShiftedRate = 0.9;

    /// <summary>
    /// The share of the sliding window above the reference 90th percentile that declares drift. On the sources of every
    /// matrix (fan, synthetic rooms, simulated machine) the most any minute of the model's own normal put there was 63 %
    /// (a fan speed held for minutes); in the changed rooms the median minute put 98–100 % there, all but two rooms'
    /// every minute 88 % or more (docs/BENCHMARKS.md, issue 9 session 9).
    /// </summary>
    public const double ShiftLevel = 0.9;

    /// <summary>
    /// How many times its false-alarm budget the model must flag for a shift to be declared: the level at which status
    /// `attention` calls a version over budget. Every shift declaration of the matrices came with 6.7–38 % flagged;
    /// silentA → mix025's came with none (its base passes there, 1.0 % false alarms, and needs no version).
    /// </summary>
    public const double AlarmingFactor = 5;

    /// <summary>The share of windows at which a model with this false-alarm budget alarms: <see cref="AlarmingFactor"/> × the budget, at most half the drift level.</summary>
    public static double AlarmingShare(double falseAlarmBudget, double level) => Math.Min(AlarmingFactor * falseAlarmBudget, level / 2);

    /// <param name="normalRate">The share of normal windows the model flags by design (its false-alarm budget).</param>
    /// <param name="referenceMedian">The model's median score on held-back normal windows; null dates changes by the flags alone.</param>
    /// <param name="referenceHigh">The model's 90th percentile score on them; null declares drift by the flags alone.</param>
    public DriftDetector(DriftSettings settings, float threshold, double normalRate = 0.01, float? referenceMedian = null, float? referenceHigh = null)
    {
        settings.Validate();
        _settings = settings;
        _onset = new ChangeOnset(Math.Min(normalRate, settings.Level / 2), settings.Level);
        _alarmingRate = AlarmingShare(normalRate, settings.Level);
        Threshold = threshold;
        ReferenceMedian = referenceMedian;
        ReferenceHigh = referenceHigh;
    }

    public float Threshold { get; private set; }
    /// <summary>The 90th percentile score of the model's reference windows (the shift declaration's level); null when unknown.</summary>
    public float? ReferenceHigh { get; private set; }
    /// <summary>The share of the sliding window above <see cref="ReferenceHigh"/> (0 without one).</summary>
    public double ShiftStatistic => _recent.Count == 0 ? 0 : (double)_high / _recent.Count;
    /// <summary>The median score of the model's reference windows (the shift CUSUM's level); null when unknown.</summary>
    public float? ReferenceMedian { get; private set; }
    public bool Detected { get; private set; }
    /// <summary>The share of the sliding window above threshold.</summary>
    public double Statistic => _recent.Count == 0 ? 0 : (double)_above / _recent.Count;
    public double Level => _settings.Level;
    /// <summary>Data-clock time (seconds) when drift was declared.</summary>
    public double? SinceS { get; private set; }
    /// <summary>Data-clock time (seconds) where the change began, by the CUSUM estimate; set with <see cref="SinceS"/>.</summary>
    public double? OnsetS { get; private set; }
    /// <summary>Windows observed since the last reset.</summary>
    public long Observed { get; private set; }

    public DriftChange Observe(float score, double timeS)
    {
        Observed++;
        bool above = score > Threshold;
        _onset.Observe(above, timeS);
        if (ReferenceMedian is float median) _shift.Observe(score > median, timeS);
        bool high = ReferenceHigh is float level && score > level;
        _recent.Enqueue((above, high));
        if (above) _above++;
        if (high) _high++;
        if (_recent.Count > _settings.Window)
        {
            (bool oldAbove, bool oldHigh) = _recent.Dequeue();
            if (oldAbove) _above--;
            if (oldHigh) _high--;
        }
        if (_recent.Count < _settings.Window) return DriftChange.None;

        bool pushing = Detected
            ? Statistic < _settings.Level / 2 && ShiftStatistic < ShiftLevel / 2
            : Statistic >= _settings.Level || (ShiftStatistic >= ShiftLevel && Statistic >= _alarmingRate);
        _run = pushing ? _run + 1 : 0;
        if (_run < _settings.Persistence) return DriftChange.None;
        _run = 0;
        Detected = !Detected;
        SinceS = Detected ? timeS : null;
        OnsetS = Detected ? Math.Min(Math.Min(_onset.OnsetS ?? timeS, _shift.OnsetS ?? timeS), timeS) : null;
        return Detected ? DriftChange.Detected : DriftChange.Cleared;
    }

    /// <summary>Starts over against a new model version's threshold and reference scores; returns whether drift was on.</summary>
    public bool Reset(float threshold, float? referenceMedian = null, float? referenceHigh = null)
    {
        bool was = Detected;
        Threshold = threshold;
        ReferenceMedian = referenceMedian;
        ReferenceHigh = referenceHigh;
        _shift.Reset();
        _recent.Clear();
        _above = _high = 0;
        _run = 0;
        Detected = false;
        SinceS = null;
        OnsetS = null;
        _onset.Reset();
        Observed = 0;
        return was;
    }
}
