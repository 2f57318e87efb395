using System.Text;

namespace SensorOdl.Daemon.Fleet.Rollouts;

/// <summary>The retained topic `{p}/fleet/rollouts/{id}` (QoS 1): written by the tool driving the rollout, read by any.</summary>
public static class RolloutStore
{
    public static string Topic(FleetTopics topics, string id) => $"{topics.Prefix}/fleet/rollouts/{id}";

    public static bool IsValidId(string id) =>
        id.Length is > 0 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    public static async Task SaveAsync(FleetClient client, RolloutDocument document, CancellationToken cancellation)
    {
        document.UpdatedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        document.UpdatedBy = client.Topics.Session;
        await client.PublishRetainedAsync(Topic(client.Topics, document.Id), Encoding.UTF8.GetBytes(document.ToJson().ToJsonString(FleetJson.Options)), cancellation);
    }

    /// <summary>
    /// The rollout as the broker retains it now, or null. Subscribing (again) makes the broker send the retained message,
    /// so this also sees an update another operator made while this tool was busy following devices.
    /// </summary>
    public static async Task<RolloutDocument?> LoadAsync(FleetClient client, string id, CancellationToken cancellation)
    {
        string topic = Topic(client.Topics, id);
        await client.SubscribeAsync([topic], cancellation);
        RolloutDocument? found = null;
        await client.SyncAsync(m =>
        {
            if (m.Topic == topic && m.Retain) found = RolloutDocument.FromJson(m.Json) ?? found;
        }, TimeSpan.FromSeconds(3), cancellation);
        return found;
    }
}
