using System.Globalization;
using SensorOdl.Daemon.Cli;

namespace SensorOdl.Daemon.Fleet.Rollouts;

/// <summary>
/// One abort criterion of `--abort-if`. Outcome criteria (`rejected`, `failed`, `timed_out`, `rolled_back`) count the
/// devices sent so far: `rejected>20%` a share, `rejected>2` a count. Quality criteria compare each succeeded device with
/// itself before the rollout: `anomalyRate>2x` (its share of flagged windows above twice its own before-share, the
/// before-share taken as at least <see cref="AbortCriteria.RateFloor"/>), `anomalyRate>5%` (above 5 %) — either only with at
/// least <see cref="AbortCriteria.MinFlagged"/> flagged windows after — `drift>2x`
/// (its drift statistic above twice its own, taken as at least <see cref="AbortCriteria.DriftFloor"/>), `drift>0.5`.
/// </summary>
public sealed record AbortCriterion(string Metric, char Unit, double Value)
{
    public bool IsOutcome => Metric is not ("anomalyRate" or "drift");

    public override string ToString() => Unit switch
    {
        '%' => $"{Metric}>{Value.ToString(CultureInfo.InvariantCulture)}%",
        'x' => $"{Metric}>{Value.ToString(CultureInfo.InvariantCulture)}x",
        _ => $"{Metric}>{Value.ToString(CultureInfo.InvariantCulture)}",
    };
}

/// <summary>`--abort-if "rejected>20%,anomalyRate>2x"`: comma-separated criteria, any one aborts.</summary>
public static class AbortCriteria
{
    public static readonly string[] OutcomeMetrics = ["rejected", "failed", "timed_out", "rolled_back"];
    public const double RateFloor = 0.01;
    public const double DriftFloor = 0.01;
    /// <summary>An anomaly-rate criterion is met only with at least this many flagged windows after: one flagged window in
    /// twenty is 5 % of them, and a rollout must not abort on it.</summary>
    public const int MinFlagged = 3;
    public const string Default = "rejected>20%,failed>20%,anomalyRate>2x";

    public static IReadOnlyList<AbortCriterion> Parse(string text)
    {
        var criteria = new List<AbortCriterion>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            int gt = part.IndexOf('>');
            if (gt <= 0) throw Bad(text, part, "is not metric>value");
            string metric = part[..gt].Trim();
            string value = part[(gt + 1)..].Trim();
            char unit = value.Length > 0 && value[^1] is '%' or 'x' ? value[^1] : ' ';
            string number = unit == ' ' ? value : value[..^1].TrimEnd();
            if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double n) || !(n >= 0) || !double.IsFinite(n))
                throw Bad(text, part, "needs a number after '>'");
            bool outcome = OutcomeMetrics.Contains(metric);
            if (!outcome && metric is not ("anomalyRate" or "drift"))
                throw Bad(text, part, $"names no metric: use {string.Join(", ", OutcomeMetrics)}, anomalyRate or drift");
            if (outcome && unit == 'x') throw Bad(text, part, "counts devices: give a share (20%) or a count (2), not a factor");
            if (!outcome && unit == 'x' && n < 1) throw Bad(text, part, "needs a factor of at least 1 (2x = twice the device's own before-figure)");
            if (unit == '%' && n > 100) throw Bad(text, part, "is a share above 100 %");
            if (metric == "anomalyRate" && unit == ' ') throw Bad(text, part, "needs a factor (2x) or a share (5%)");
            if (metric == "drift" && unit == '%') throw Bad(text, part, "needs a factor (2x) or a statistic (0.5)");
            criteria.Add(new AbortCriterion(metric, unit, n));
        }
        return criteria;
    }

    static UsageException Bad(string text, string part, string why) => new($"--abort-if '{text}': '{part}' {why}.");

    /// <summary>The first outcome criterion met by the devices sent so far (their states), with why; else null.</summary>
    public static string? OutcomeBreach(IReadOnlyList<AbortCriterion> criteria, IReadOnlyCollection<string> sentStates)
    {
        if (sentStates.Count == 0) return null;
        foreach (AbortCriterion c in criteria.Where(c => c.IsOutcome))
        {
            int count = sentStates.Count(s => s == c.Metric);
            double share = (double)count / sentStates.Count;
            bool met = c.Unit == '%' ? share * 100 > c.Value : count > c.Value;
            if (met)
                return $"{c}: {count} of {sentStates.Count} device{(sentStates.Count == 1 ? "" : "s")} {c.Metric.Replace('_', ' ')} ({DeviceFollower.Percent(share)})";
        }
        return null;
    }

    /// <summary>The first quality criterion one device's after-figures break against its own before-figures, with why; else null.</summary>
    public static string? QualityBreach(IReadOnlyList<AbortCriterion> criteria, string device, DeviceFigures before, DeviceFigures after)
    {
        foreach (AbortCriterion c in criteria.Where(c => !c.IsOutcome))
        {
            if (c.Metric == "anomalyRate" && after.AnomalyRate is double rate && after.Windows >= DeviceFigures.MinWindows)
            {
                bool met = (c.Unit == 'x'
                    ? before.AnomalyRate is double was && rate > c.Value * Math.Max(was, RateFloor)
                    : rate * 100 > c.Value) && Math.Round(rate * after.Windows) >= MinFlagged;
                if (met)
                    return $"{c}: {device} flags {DeviceFollower.Percent(rate)} of windows, {(before.AnomalyRate is double b ? DeviceFollower.Percent(b) : "?")} before";
            }
            if (c.Metric == "drift" && after.Drift is double drift)
            {
                bool met = c.Unit == 'x'
                    ? before.Drift is double was && drift > c.Value * Math.Max(was, DriftFloor)
                    : drift > c.Value;
                if (met)
                    return $"{c}: {device} drift statistic {drift.ToString("0.###", CultureInfo.InvariantCulture)}, {(before.Drift is double b ? b.ToString("0.###", CultureInfo.InvariantCulture) : "?")} before";
            }
        }
        return null;
    }
}
