using System.Text;

namespace SensorOdl.Daemon.Fleet;

/// <summary>
/// Sends a base model to each target device as a `deploy` transfer (<see cref="DeployUpload"/>), all devices at once over
/// the one connection, each paced on its own: at most <see cref="DefaultChunksPerSecond"/> chunks per second to start
/// with — half the device's default inbound limit (`Mqtt:CommandRatePerSecond` 20), so a transfer leaves room for other
/// commands — halved whenever a chunk goes unanswered. Devices start <paramref name="startRate"/> apart when given
/// (rollouts' --rate). Outcomes are those of the other fleet commands (`deployed`, `refused`, `timeout`, `failed`).
/// </summary>
public sealed class DeployAction(FleetClient client, IProgressDisplay display)
{
    public const double DefaultChunksPerSecond = 10;
    /// <summary>How long an ordinary chunk's answer may take before the chunk is sent again.</summary>
    public static readonly TimeSpan ChunkAnswer = TimeSpan.FromSeconds(5);
    /// <summary>The last chunk's answer waits for the device to verify, store and promote the model.</summary>
    public static readonly TimeSpan FinalAnswer = TimeSpan.FromSeconds(60);

    public async Task<IReadOnlyList<DeviceOutcome>> RunAsync(IReadOnlyList<DeviceView> targets, DeployPackage package, TimeSpan timeout,
        CancellationToken cancellation, double? startRate = null, double chunksPerSecond = DefaultChunksPerSecond)
    {
        DateTime start = DateTime.UtcNow, deadline = start + timeout;
        var uploads = new Dictionary<string, DeployUpload>(StringComparer.Ordinal);
        var sentAt = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        var notBefore = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        for (int i = 0; i < targets.Count; i++)
        {
            string device = targets[i].Device;
            uploads[device] = new DeployUpload(device, package, chunksPerSecond);
            notBefore[device] = start + (startRate is double rate ? TimeSpan.FromSeconds(i / rate) : TimeSpan.Zero);
        }

        while (uploads.Values.Any(u => u.Outcome is null))
        {
            DateTime now = DateTime.UtcNow;
            DateTime wake = deadline;
            foreach (DeployUpload upload in uploads.Values.Where(u => u.Outcome is null))
            {
                string device = upload.Device;
                if (now >= deadline)
                {
                    Report(upload, () => upload.TimeOut(timeout));
                    continue;
                }
                if (upload.InFlight)
                {
                    TimeSpan wait = upload.Finishing ? FinalAnswer : ChunkAnswer;
                    if (now - sentAt[device] >= wait) Report(upload, () => upload.OnNoAnswer(wait));
                    else
                    {
                        wake = Min(wake, sentAt[device] + wait);
                        continue;
                    }
                    if (upload.Outcome is not null) continue;
                }
                if (now < notBefore[device])
                {
                    wake = Min(wake, notBefore[device]);
                    continue;
                }
                string before = upload.Progress;
                FleetCommand command = upload.NextCommand();
                await client.SendAsync(client.Topics.Device(device, "cmd"), command, Encoding.UTF8.GetBytes(device), cancellation);
                sentAt[device] = now;
                notBefore[device] = now + TimeSpan.FromSeconds(1 / upload.ChunksPerSecond);
                wake = Min(wake, now + (upload.Finishing ? FinalAnswer : ChunkAnswer));
                if (upload.Progress != before) display.Progress(device, upload.Progress);
            }
            if (uploads.Values.All(u => u.Outcome is not null)) break;

            // Answers first; then whichever upload may send next.
            FleetMessage? message = await client.NextAsync(Min(wake, deadline) - DateTime.UtcNow, cancellation);
            while (message is not null)
            {
                if (message.Topic == client.Topics.Reply && message.Json is { } reply && DeviceView.Str(reply, "device") is { } device
                    && uploads.TryGetValue(device, out DeployUpload? upload) && upload.Outcome is null && upload.Owns(DeviceView.Str(reply, "id")))
                {
                    string before = upload.Progress;
                    Report(upload, () => upload.OnReply(reply));
                    if (upload.Outcome is null && upload.Progress != before) display.Progress(device, upload.Progress);
                }
                message = await client.NextAsync(TimeSpan.Zero, cancellation);
            }
        }
        display.Finish();
        return [.. targets.Select(t => uploads[t.Device].Outcome!)];
    }

    void Report(DeployUpload upload, Action update)
    {
        bool done = upload.Outcome is not null;
        update();
        if (!done && upload.Outcome is { } outcome) display.Outcome(outcome);
    }

    static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;
}
