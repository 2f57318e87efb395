using System.Text.Json.Nodes;

namespace SensorOdl.Daemon.Fleet.Rollouts;

/// <summary>
/// Watches devices for a while and measures <see cref="DeviceFigures"/>: their telemetry (each message one scored
/// window and its verdict), status (drift statistic, model version) and events (a `model_rolled_back` not sent by the
/// rollout: probation on the device gave up on the new version). Ends with a live `status` request so that every device's
/// drift and version are current, whatever the status period.
/// </summary>
public sealed class QualityWindow
{
    readonly FleetClient _client;
    readonly HashSet<string> _devices;
    readonly Dictionary<string, (int Windows, int Flagged)> _telemetry = [];
    readonly Dictionary<string, JsonObject> _status = [];

    QualityWindow(FleetClient client, IEnumerable<string> devices)
    {
        _client = client;
        _devices = [.. devices];
    }

    /// <summary>Devices whose own probation rolled the new version back during the window, with the event's reason.</summary>
    public Dictionary<string, string> SelfRolledBack { get; } = [];

    /// <summary>The figures of each device after <paramref name="duration"/>; <paramref name="stop"/> ends the wait early when it returns true.</summary>
    public static async Task<(Dictionary<string, DeviceFigures> Figures, Dictionary<string, string> SelfRolledBack)> MeasureAsync(
        FleetClient client, IReadOnlyCollection<string> devices, TimeSpan duration, Func<FleetMessage, bool>? stop, CancellationToken cancellation)
    {
        var window = new QualityWindow(client, devices);
        if (devices.Count == 0) return ([], []);
        FleetTopics topics = client.Topics;
        await client.SubscribeAsync(devices.SelectMany(d => new[] { topics.Device(d, "telemetry"), topics.Device(d, "status"), topics.Device(d, "events") }), cancellation);
        DateTime end = DateTime.UtcNow + duration;
        while (DateTime.UtcNow < end)
        {
            FleetMessage? message = await client.NextAsync(end - DateTime.UtcNow, cancellation);
            if (message is null) break;
            if (stop?.Invoke(message) == true) break;
            window.Apply(message);
        }
        FleetSnapshot live = await FleetDirectory.GatherAsync(client, null, live: true, TimeSpan.FromSeconds(1), cancellation);
        foreach (DeviceView view in live.Devices)
            if (window._devices.Contains(view.Device) && view.Status is { } status) window._status[view.Device] = status;
        return (devices.ToDictionary(d => d, window.Figures, StringComparer.Ordinal), window.SelfRolledBack);
    }

    void Apply(FleetMessage message)
    {
        if (!_client.Topics.TryParse(message.Topic, out string device, out string leaf) || !_devices.Contains(device) || message.Json is not { } json) return;
        switch (leaf)
        {
            case "telemetry" when !message.Retain:
                (int windows, int flagged) = _telemetry.GetValueOrDefault(device);
                _telemetry[device] = (windows + 1, flagged + (DeviceView.Bool(json, "anomaly") == true ? 1 : 0));
                break;
            case "status":
                _status[device] = json;
                break;
            case "events" when !message.Retain && DeviceView.Str(json, "type") == "model_rolled_back"
                               && DeviceView.Str(json, "reason") is { } reason && !reason.StartsWith("rollback command", StringComparison.Ordinal):
                SelfRolledBack[device] = reason;
                break;
        }
    }

    DeviceFigures Figures(string device)
    {
        (int windows, int flagged) = _telemetry.GetValueOrDefault(device);
        JsonObject? status = _status.GetValueOrDefault(device);
        return new DeviceFigures(DeviceView.Int(status?["model"] as JsonObject, "version"), windows > 0 ? (double)flagged / windows : null, windows,
            DeviceView.Num(status?["drift"] as JsonObject, "statistic"));
    }
}
