using System.Globalization;
using System.Text;

namespace SensorOdl.Daemon.Fleet.Rollouts;

/// <summary>`fleet rollout status`: a rollout as a heading and one row per device.</summary>
public static class RolloutReport
{
    public static string Heading(RolloutDocument d)
    {
        string args = d.Action switch
        {
            "rollback" => $" --to {DeviceView.Int(d.Args, "version")}",
            RolloutActions.DeployBase => $" --model {Path.GetFileName(DeviceView.Str(d.Args, "model"))}",
            _ => "",
        };
        string when = DateTimeOffset.FromUnixTimeMilliseconds(d.UpdatedAt).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        return $"rollout {d.Id}: {d.Action}{args} {d.Select}, stages {RolloutStages.Describe(d.Stages)}, abort if {d.AbortIf}: "
            + $"{d.State} at stage {d.Stage}/{d.Plan.Count}{(d.Reason is null ? "" : $" ({d.Reason})")}; updated {when} UTC";
    }

    public static string Table(RolloutDocument d)
    {
        var text = new StringBuilder(Heading(d)).Append('\n');
        int width = Math.Max(6, d.Devices.Keys.Select(k => k.Length).DefaultIfEmpty(0).Max());
        text.Append($"{"device".PadRight(width)}  stage  {"state",-11}  before (rate, drift, version)  after                         note\n");
        foreach ((string device, string state) in d.Devices)
        {
            text.Append($"{device.PadRight(width)}  {d.StageOf(device),5}  {state,-11}  {Figures(d.Before.GetValueOrDefault(device)),-29}  {Figures(d.After.GetValueOrDefault(device)),-29} {d.Notes.GetValueOrDefault(device) ?? ""}".TrimEnd());
            text.Append('\n');
        }
        text.Append(d.Counts()).Append('\n');
        return text.ToString();
    }

    static string Figures(DeviceFigures? f) => f is null ? "-"
        : $"{(f.AnomalyRate is double r ? DeviceFollower.Percent(r) : "?")}, {f.Drift?.ToString("0.###", CultureInfo.InvariantCulture) ?? "?"}, v{f.Version?.ToString(CultureInfo.InvariantCulture) ?? "?"}";
}
