namespace SensorOdl.Daemon.Fleet;

/// <summary>What the fleet tool found: the devices (by id), whether they were asked live, and how many answered.</summary>
public sealed record FleetSnapshot(IReadOnlyList<DeviceView> Devices, bool Asked, int Answered);

/// <summary>
/// Finds devices: every retained availability, status and model under `{p}/+/…` (or one device's), and — when asked live —
/// the answers to one `status` command on `{p}/all/cmd` (or the device's own topic), collected until no answer has come
/// for a quiet period. Retained state alone is not enough on a clustered broker whose nodes do not share retained messages.
/// </summary>
public sealed class FleetDirectory
{
    /// <summary>The longest a live round waits, however late answers keep trickling in.</summary>
    static readonly TimeSpan LiveLimit = TimeSpan.FromSeconds(15);
    /// <summary>How long one device gets to answer a live `status` when it left nothing retained.</summary>
    public static readonly TimeSpan OneDeviceWait = TimeSpan.FromSeconds(3);

    readonly FleetClient _client;
    readonly string? _device;
    readonly SortedDictionary<string, DeviceView> _views = new(StringComparer.Ordinal);

    FleetDirectory(FleetClient client, string? device)
    {
        _client = client;
        _device = device;
    }

    /// <param name="device">One device, or null for every device under the prefix.</param>
    /// <param name="live">Also send `status` and wait for the answers.</param>
    /// <param name="quiet">With <paramref name="live"/>: stop once no answer came for this long.</param>
    public static async Task<FleetSnapshot> GatherAsync(FleetClient client, string? device, bool live, TimeSpan quiet, CancellationToken cancellation)
    {
        var directory = new FleetDirectory(client, device);
        string level = device ?? FleetTopics.AnyDevice;
        await client.SubscribeAsync(new[] { "availability", "status", "model" }.Select(leaf => client.Topics.Device(level, leaf)), cancellation);
        await client.SyncAsync(directory.Apply, TimeSpan.FromSeconds(3), cancellation);
        int answered = live ? await directory.AskAsync(device is null ? quiet : Max(quiet, OneDeviceWait), cancellation) : 0;
        return new FleetSnapshot([.. directory._views.Values], live, answered);
    }

    static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    void Apply(FleetMessage message)
    {
        if (!_client.Topics.TryParse(message.Topic, out string device, out string leaf)) return;
        if (_device is not null && device != _device) return;
        if (_views.TryGetValue(device, out DeviceView? view)) view.Apply(leaf, message);
        else
        {
            view = new DeviceView(device);
            if (view.Apply(leaf, message)) _views[device] = view;
        }
    }

    async Task<int> AskAsync(TimeSpan quiet, CancellationToken cancellation)
    {
        FleetCommand command = FleetCommand.New("status");
        string topic = _device is null ? _client.Topics.AllDevicesCommand : _client.Topics.Device(_device, "cmd");
        await _client.SendAsync(topic, command, Guid.NewGuid().ToByteArray(), cancellation);
        DateTime limit = DateTime.UtcNow + LiveLimit, lastAnswer = DateTime.UtcNow;
        int answered = 0;
        while (true)
        {
            DateTime now = DateTime.UtcNow;
            TimeSpan wait = (lastAnswer + quiet < limit ? lastAnswer + quiet : limit) - now;
            if (wait <= TimeSpan.Zero) break;
            FleetMessage? message = await _client.NextAsync(wait, cancellation);
            if (message is null) break;
            if (message.Topic != _client.Topics.Reply)
            {
                Apply(message);
                continue;
            }
            if (message.Json is not { } reply || DeviceView.Str(reply, "id") != command.Id || DeviceView.Str(reply, "device") is not { } device) continue;
            if (_device is not null && device != _device) continue;
            if (!_views.TryGetValue(device, out DeviceView? view)) _views[device] = view = new DeviceView(device);
            if (!view.Answered) answered++;
            view.Answer(reply);
            lastAnswer = DateTime.UtcNow;
            if (_device is not null) break;
        }
        return answered;
    }
}
