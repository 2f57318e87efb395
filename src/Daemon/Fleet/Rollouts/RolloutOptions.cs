using System.Globalization;
using SensorOdl.Daemon.Cli;

namespace SensorOdl.Daemon.Fleet.Rollouts;

/// <summary>The rollout's own option formats: `--min-wait 10m` and `--rate 5/s`.</summary>
public static class RolloutOptions
{
    /// <summary>`90`, `90s`, `10m`, `1h`, `0` (no wait): a duration of at most a day.</summary>
    public static TimeSpan Duration(string name, string text)
    {
        string t = text.Trim();
        double unit = 1;
        if (t.Length > 0 && t[^1] is 's' or 'm' or 'h')
        {
            unit = t[^1] switch { 'm' => 60, 'h' => 3600, _ => 1 };
            t = t[..^1];
        }
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value >= 0) || value * unit > 86400)
            throw new UsageException($"--{name} '{text}' is not a duration such as 30s, 10m or 1h (at most 24 h).");
        return TimeSpan.FromSeconds(value * unit);
    }

    /// <summary>`5/s` or `5`: commands per second, above 0 and at most 1000.</summary>
    public static double Rate(string text)
    {
        string t = text.Trim();
        if (t.EndsWith("/s", StringComparison.Ordinal)) t = t[..^2];
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double rate) || !(rate > 0) || rate > 1000)
            throw new UsageException($"--rate '{text}' is not a number of commands per second such as 5/s (above 0, at most 1000).");
        return rate;
    }
}
