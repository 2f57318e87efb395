namespace SensorOdl.Daemon.Fleet;

/// <summary>Which devices a fleet verb acts on: `--device ID`, `--all` (every online device) or `--select F` (the online devices F matches).</summary>
public sealed record FleetTarget(string? Device, bool All, string? Select)
{
    public string Describe() => Device is not null ? $"--device {Device}" : All ? "--all" : $"--select {Select}";

    /// <summary>
    /// The devices to act on and the ones left out because they are offline. One device: its retained state, else a live
    /// `status` (a cluster node may not have its retained messages); unknown or offline is a <see cref="FleetException"/>.
    /// </summary>
    public async Task<(IReadOnlyList<DeviceView> Targets, IReadOnlyList<DeviceView> Offline)> ResolveAsync(FleetClient client, TimeSpan quiet, CancellationToken cancellation)
    {
        if (Device is not null)
        {
            DeviceView view = await OneAsync(client, Device, cancellation);
            if (view.Online == false)
                throw new FleetException($"device '{Device}' is offline{(view.LastSeen is long seen ? $" (last status {Age(seen)})" : "")}; nothing was sent.");
            return ([view], []);
        }
        FleetSnapshot snapshot = await FleetDirectory.GatherAsync(client, null, live: true, quiet, cancellation);
        IReadOnlyList<DeviceView> chosen = Select is null ? snapshot.Devices : FleetSelection.Apply(snapshot.Devices, Select);
        List<DeviceView> online = [.. chosen.Where(v => v.Online == true)];
        if (online.Count == 0)
            throw new FleetException(snapshot.Devices.Count == 0
                ? $"no device found under {client.Topics.Prefix}/ (nothing retained, no answer to a status request on {client.Topics.AllDevicesCommand})."
                : Select is null ? $"no device is online under {client.Topics.Prefix}/ ({snapshot.Devices.Count} known, all offline)."
                : $"no online device matches '--select {Select}' ({chosen.Count} match, {snapshot.Devices.Count} known).");
        return (online, [.. chosen.Where(v => v.Online != true)]);
    }

    /// <summary>One device as retained, else as it answers a live `status`; unknown is a <see cref="FleetException"/>.</summary>
    public static async Task<DeviceView> OneAsync(FleetClient client, string device, CancellationToken cancellation)
    {
        FleetSnapshot retained = await FleetDirectory.GatherAsync(client, device, live: false, TimeSpan.Zero, cancellation);
        if (retained.Devices.Count == 1) return retained.Devices[0];
        FleetSnapshot asked = await FleetDirectory.GatherAsync(client, device, live: true, FleetDirectory.OneDeviceWait, cancellation);
        return asked.Devices.FirstOrDefault(v => v.Answered)
            ?? throw new FleetException($"unknown device '{device}': nothing retained under {client.Topics.Device(device, "#")} and no answer to a status request within {FleetDirectory.OneDeviceWait.TotalSeconds:0} s.");
    }

    internal static string Age(long unixMs)
    {
        TimeSpan age = DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeMilliseconds(unixMs);
        return age.TotalSeconds < 0 ? "just now"
            : age.TotalSeconds < 90 ? $"{age.TotalSeconds:0} s ago"
            : age.TotalMinutes < 90 ? $"{age.TotalMinutes:0} min ago"
            : age.TotalHours < 48 ? $"{age.TotalHours:0} h ago"
            : $"{age.TotalDays:0} d ago";
    }
}
