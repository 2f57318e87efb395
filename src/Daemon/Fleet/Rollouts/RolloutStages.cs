using System.Globalization;
using SensorOdl.Daemon.Cli;

namespace SensorOdl.Daemon.Fleet.Rollouts;

/// <summary>
/// `--stages 1,10,50,100%`: cumulative shares of the selected devices. Stage k takes the devices, in ordinal order of
/// their ids, up to ceil(n × share_k), and at least one more than the stage before (a canary stays a canary in a small
/// fleet); stages left once every device is taken are dropped, so a fleet smaller than the stage count gets fewer.
/// </summary>
public static class RolloutStages
{
    /// <summary>The percentages, strictly increasing, each in (0, 100], the last 100; anything else is a usage error.</summary>
    public static IReadOnlyList<double> Parse(string text)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var shares = new List<double>();
        foreach (string part in parts)
        {
            string number = part.EndsWith('%') ? part[..^1].TrimEnd() : part;
            if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double share) || !(share > 0) || share > 100)
                throw new UsageException($"--stages '{text}': '{part}' is not a share of the devices above 0 and at most 100 %.");
            if (shares.Count > 0 && share <= shares[^1])
                throw new UsageException($"--stages '{text}': the shares must increase ({shares[^1].ToString(CultureInfo.InvariantCulture)} then {number}).");
            shares.Add(share);
        }
        if (shares[^1] != 100) throw new UsageException($"--stages '{text}': the last stage must be 100 % (every selected device).");
        return shares;
    }

    /// <summary>The devices of each stage, in order; every device in exactly one stage.</summary>
    public static List<List<string>> Plan(IEnumerable<string> devices, IReadOnlyList<double> shares)
    {
        string[] sorted = [.. devices.Distinct().Order(StringComparer.Ordinal)];
        var stages = new List<List<string>>();
        int taken = 0;
        foreach (double share in shares)
        {
            int upTo = Math.Min(sorted.Length, Math.Max(taken + 1, (int)Math.Ceiling(sorted.Length * share / 100 - 1e-9)));
            if (upTo <= taken) continue;
            stages.Add([.. sorted[taken..upTo]]);
            taken = upTo;
        }
        return stages;
    }

    public static string Describe(IReadOnlyList<double> shares) =>
        string.Join(",", shares.Select(s => s.ToString(CultureInfo.InvariantCulture))) + "%";
}
