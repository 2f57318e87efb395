namespace SensorOdl.Daemon.Fleet;

/// <summary>
/// The topics the fleet tool reads and writes (docs/CONTRACT.md §3): each device's `{p}/{id}/…`, the all-devices command
/// topic `{p}/all/cmd`, and a private `{p}/fleet/{session}/…` for replies (the device ids `all` and `fleet` are reserved).
/// </summary>
public sealed record FleetTopics(string Prefix, string Session)
{
    public const string AnyDevice = "+";

    public string Device(string device, string leaf) => $"{Prefix}/{device}/{leaf}";
    public string AllDevicesCommand => $"{Prefix}/all/cmd";
    public string Reply => $"{Prefix}/fleet/{Session}/reply";
    public string Sync => $"{Prefix}/fleet/{Session}/sync";
    public string Private => $"{Prefix}/fleet/{Session}/#";

    /// <summary>`{p}/{device}/{leaf}` of a device (not of the reserved `all` and `fleet` levels).</summary>
    public bool TryParse(string topic, out string device, out string leaf)
    {
        device = leaf = "";
        string[] parts = topic.Split('/');
        if (parts.Length != 3 || parts[0] != Prefix || parts[1] is "all" or "fleet" or "") return false;
        (device, leaf) = (parts[1], parts[2]);
        return true;
    }
}
