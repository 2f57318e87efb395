namespace SensorOdl.Daemon.Mqtt;

/// <summary>Every topic of docs/CONTRACT.md §3, in one place.</summary>
public sealed record Topics(string Prefix, string Device)
{
    public string Base => $"{Prefix}/{Device}";
    public string Availability => $"{Base}/availability";
    public string Status => $"{Base}/status";
    public string Telemetry => $"{Base}/telemetry";
    public string Events => $"{Base}/events";
    public string Model => $"{Base}/model";
    public string Command => $"{Base}/cmd";
    public string FleetCommand => $"{Prefix}/all/cmd";
    public string Reply => $"{Base}/reply";
    public const string HomeAssistantStatus = "homeassistant/status";
    public string DiscoveryObject => Device.Replace('-', '_');
}
