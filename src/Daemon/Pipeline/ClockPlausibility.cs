using System.Reflection;

namespace SensorOdl.Daemon.Pipeline;

/// <summary>
/// Whether the wall clock can be believed: <c>Security:TrustLocalClock</c> (a site without NTP whose clock is set by hand),
/// systemd-timesyncd's flag file (it exists once the clock has been synchronised since boot), or a time no earlier than a
/// year before this build (a board without a real-time clock boots in 1970, or at the last saved time).
/// </summary>
public sealed class ClockPlausibility(bool trustLocalClock, DateTimeOffset buildDate, Func<bool> timesyncFlag)
{
    public const string TimesyncFlagFile = "/run/systemd/timesync/synchronized";

    public static ClockPlausibility For(bool trustLocalClock) =>
        new(trustLocalClock, BuildDate, () => File.Exists(TimesyncFlagFile));

    /// <summary>The date this assembly was built (its BuildDate metadata), or the Unix epoch when unknown.</summary>
    public static DateTimeOffset BuildDate { get; } =
        typeof(ClockPlausibility).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "BuildDate")?.Value is { } text && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out DateTimeOffset date)
            ? date
            : DateTimeOffset.UnixEpoch;

    public bool IsPlausible(DateTimeOffset wall) =>
        trustLocalClock || wall >= buildDate.AddYears(-1) || Flag();

    bool Flag()
    {
        try { return timesyncFlag(); }
        catch (Exception) { return false; }
    }
}
