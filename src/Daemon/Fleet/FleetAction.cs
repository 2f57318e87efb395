using System.Text;

namespace SensorOdl.Daemon.Fleet;

/// <summary>
/// Sends one command to each target device on its own `{p}/{id}/cmd` (with this session's response topic) and follows
/// every device until its outcome or the deadline: replies within <see cref="ReplyTimeout"/>, outcomes within the timeout.
/// </summary>
public sealed class FleetAction(FleetClient client, IProgressDisplay display)
{
    public static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    /// <param name="followJob">Also watch each device's status and events (a retrain's job); otherwise the reply is the outcome.</param>
    /// <param name="sendRate">At most this many commands per second (null: all at once).</param>
    public async Task<IReadOnlyList<DeviceOutcome>> RunAsync(IReadOnlyList<DeviceView> targets, FleetCommand command,
        Func<string, DeviceFollower> follow, bool followJob, TimeSpan timeout, CancellationToken cancellation, double? sendRate = null)
    {
        Dictionary<string, DeviceFollower> followers = targets.ToDictionary(t => t.Device, t => follow(t.Device), StringComparer.Ordinal);
        FleetTopics topics = client.Topics;
        if (followJob)
            await client.SubscribeAsync(targets.SelectMany(t => new[] { topics.Device(t.Device, "events"), topics.Device(t.Device, "status") }), cancellation);
        DateTime firstSend = DateTime.UtcNow;
        for (int i = 0; i < targets.Count; i++)
        {
            // --rate N/s (rollouts): the i-th command goes out no sooner than i/N seconds after the first.
            if (sendRate is double rate && firstSend + TimeSpan.FromSeconds(i / rate) - DateTime.UtcNow is { } pause && pause > TimeSpan.Zero)
                await Task.Delay(pause, cancellation);
            await client.SendAsync(topics.Device(targets[i].Device, "cmd"), command, Encoding.UTF8.GetBytes(targets[i].Device), cancellation);
        }

        DateTime start = DateTime.UtcNow;
        DateTime deadline = start + timeout, replyDeadline = start + (timeout < ReplyTimeout ? timeout : ReplyTimeout);
        while (followers.Values.Any(f => f.Outcome is null))
        {
            DateTime now = DateTime.UtcNow;
            if (now >= replyDeadline)
                foreach (DeviceFollower f in followers.Values.Where(f => f.Outcome is null && !f.Replied))
                    Report(f, () => f.TimeOut(replyDeadline - start, "without a reply"));
            if (now >= deadline)
                foreach (DeviceFollower f in followers.Values.Where(f => f.Outcome is null))
                    Report(f, () => f.TimeOut(timeout, "waiting for the outcome"));
            if (followers.Values.All(f => f.Outcome is not null)) break;

            DateTime next = followers.Values.Any(f => f.Outcome is null && !f.Replied) && replyDeadline < deadline ? replyDeadline : deadline;
            FleetMessage? message = await client.NextAsync(next - DateTime.UtcNow, cancellation);
            if (message is null) continue;
            if (message.Topic == topics.Reply)
            {
                if (message.Json is { } reply && DeviceView.Str(reply, "id") == command.Id && DeviceView.Str(reply, "device") is { } device
                    && followers.TryGetValue(device, out DeviceFollower? replied))
                    Report(replied, () => replied.OnReply(reply));
            }
            else if (topics.TryParse(message.Topic, out string device, out string leaf) && followers.TryGetValue(device, out DeviceFollower? follower)
                     && !message.Retain && message.Json is { } json)
            {
                if (leaf == "events") Report(follower, () => follower.OnEvent(json));
                else if (leaf == "status") Report(follower, () => follower.OnStatus(json));
            }
        }
        display.Finish();
        return [.. targets.Select(t => followers[t.Device].Outcome!)];
    }

    /// <summary>Applies one update and tells the display what changed.</summary>
    void Report(DeviceFollower follower, Action update)
    {
        string before = follower.Progress;
        bool done = follower.Outcome is not null;
        update();
        if (!done && follower.Outcome is { } outcome) display.Outcome(outcome);
        else if (follower.Outcome is null && follower.Progress != before) display.Progress(follower.Device, follower.Progress);
    }
}
