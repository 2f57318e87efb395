using System.Globalization;
using System.Text.Json.Nodes;

namespace SensorOdl.Daemon.Fleet.Rollouts;

/// <summary>Another operator aborted the rollout (`fleet rollout abort`) while this tool drove it.</summary>
public sealed class RolloutAbortedElsewhere(RolloutDocument document) : Exception($"rollout {document.Id} was aborted by another operator tool: {document.Reason}")
{
    public RolloutDocument Document { get; } = document;
}

/// <summary>
/// Drives a rollout stage by stage: measures every device's own figures first, then per stage sends the command
/// (at --rate) and follows each device to its outcome, checks the outcome criteria, waits --min-wait while measuring the
/// succeeded devices again, and checks the quality criteria against each device's before-figures. A criterion met
/// aborts: the devices the rollout changed are rolled back to their before-version. Every step is saved to the
/// retained topic, so `fleet rollout resume` continues from the recorded stage.
/// </summary>
public sealed class RolloutRunner(FleetClient client, TextWriter output, bool quiet)
{
    public async Task<RolloutDocument> RunAsync(RolloutDocument document, CancellationToken cancellation)
    {
        try
        {
            document.State = RolloutState.Running;
            await SaveAsync(document, cancellation);
            IReadOnlyList<AbortCriterion> criteria = AbortCriteria.Parse(document.AbortIf);
            if (document.Before.Count < document.Devices.Count)
            {
                string[] unmeasured = [.. document.Devices.Keys.Where(d => !document.Before.ContainsKey(d))];
                Say($"measuring {unmeasured.Length} device{(unmeasured.Length == 1 ? "" : "s")} for {Seconds(document.MinWaitSeconds)} before the rollout");
                (Dictionary<string, DeviceFigures> before, _) = await QualityWindow.MeasureAsync(client, unmeasured, TimeSpan.FromSeconds(document.MinWaitSeconds), null, cancellation);
                foreach ((string device, DeviceFigures figures) in before) document.Before[device] = figures;
                await SaveAsync(document, cancellation);
            }
            for (int stage = Math.Max(document.Stage, 1); stage <= document.Plan.Count; stage++)
            {
                document.Stage = stage;
                await RunStageAsync(document, stage, cancellation);
                string? breach = AbortCriteria.OutcomeBreach(criteria, Sent(document));
                if (breach is null)
                    breach = await JudgeAsync(document, stage, criteria, cancellation);
                if (breach is not null)
                {
                    await AbortAsync(document, breach, cancellation);
                    return document;
                }
                await SaveAsync(document, cancellation);
            }
            document.State = RolloutState.Succeeded;
            await SaveAsync(document, cancellation);
            Say($"rollout {document.Id} succeeded: {document.Counts()}");
            return document;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            document.State = RolloutState.Paused;
            document.Reason = "interrupted; resume with 'fleet rollout resume " + document.Id + "'";
            await SaveAsync(document, CancellationToken.None, checkElsewhere: false);
            throw;
        }
    }

    /// <summary>Sends the stage's queued devices the command and records each outcome; busy ones move to the next stage.</summary>
    async Task RunStageAsync(RolloutDocument document, int stage, CancellationToken cancellation)
    {
        List<string> devices = [.. document.Plan[stage - 1].Where(d => document.Devices[d] is DeviceState.Queued or DeviceState.Running)];
        if (devices.Count == 0) return;
        await SettleRunningAsync(document, devices, cancellation);
        devices = [.. devices.Where(d => document.Devices[d] == DeviceState.Queued)];
        foreach (string device in devices) document.Devices[device] = DeviceState.Running;
        await SaveAsync(document, cancellation);
        Say($"stage {stage}/{document.Plan.Count}: {devices.Count} device{(devices.Count == 1 ? "" : "s")} ({Names(devices)})");

        IReadOnlyList<DeviceOutcome> outcomes = await RolloutActions.RunAsync(client, IProgressDisplay.For(output, quiet), document, devices, cancellation);
        foreach (DeviceOutcome outcome in outcomes)
        {
            if (RolloutOutcomes.StateOf(outcome, lastStage: stage == document.Plan.Count) is not { } state)
            {
                string code = RolloutOutcomes.RetryCode(outcome)!;
                document.Plan[stage - 1].Remove(outcome.Device);
                document.Plan[stage].Add(outcome.Device);
                document.Devices[outcome.Device] = DeviceState.Queued;
                document.Notes[outcome.Device] = $"{code} in stage {stage}; retried in stage {stage + 1}";
                Say($"{outcome.Device}: {code}; retried in stage {stage + 1}");
                continue;
            }
            document.Devices[outcome.Device] = state;
            document.Notes[outcome.Device] = outcome.Text;
        }
        await SaveAsync(document, cancellation);
    }

    /// <summary>
    /// On resume, a device left `running` by a tool that stopped may have finished meanwhile: its live status says
    /// whether the command took effect (a newer version after a retrain, the version asked for after a rollback).
    /// The others are sent again.
    /// </summary>
    async Task SettleRunningAsync(RolloutDocument document, List<string> devices, CancellationToken cancellation)
    {
        if (!devices.Any(d => document.Devices[d] == DeviceState.Running)) return;
        FleetSnapshot live = await FleetDirectory.GatherAsync(client, null, live: true, TimeSpan.FromSeconds(1), cancellation);
        foreach (string device in devices.Where(d => document.Devices[d] == DeviceState.Running))
        {
            int? now = live.Devices.FirstOrDefault(v => v.Device == device)?.ModelVersion;
            int? before = document.Before.GetValueOrDefault(device)?.Version;
            bool done = RolloutActions.TookEffect(document, now, before);
            document.Devices[device] = done ? DeviceState.Succeeded : DeviceState.Queued;
            if (done) document.Notes[device] = $"found at v{now} on resume";
        }
    }

    /// <summary>Waits --min-wait while measuring the succeeded devices, then compares each with its own before-figures.</summary>
    async Task<string?> JudgeAsync(RolloutDocument document, int stage, IReadOnlyList<AbortCriterion> criteria, CancellationToken cancellation)
    {
        string[] succeeded = [.. document.Devices.Where(kv => kv.Value == DeviceState.Succeeded).Select(kv => kv.Key)];
        if (succeeded.Length == 0) return null;
        Say($"stage {stage}/{document.Plan.Count}: watching {succeeded.Length} device{(succeeded.Length == 1 ? "" : "s")} for {Seconds(document.MinWaitSeconds)}");
        string topic = RolloutStore.Topic(client.Topics, document.Id);
        (Dictionary<string, DeviceFigures> after, Dictionary<string, string> selfRolledBack) = await QualityWindow.MeasureAsync(client, succeeded,
            TimeSpan.FromSeconds(document.MinWaitSeconds), m => m.Topic == topic && AbortedElsewhere(RolloutDocument.FromJson(m.Json)), cancellation);
        foreach ((string device, DeviceFigures figures) in after)
        {
            document.After[device] = figures;
            DeviceFigures before = document.Before.GetValueOrDefault(device) ?? new DeviceFigures(null, null, 0, null);
            Say($"{device}: anomaly rate {Rate(before)} → {Rate(figures)}, drift {Drift(before)} → {Drift(figures)}, v{before.Version?.ToString(CultureInfo.InvariantCulture) ?? "?"} → v{figures.Version?.ToString(CultureInfo.InvariantCulture) ?? "?"}");
        }
        foreach ((string device, string reason) in selfRolledBack)
        {
            document.Devices[device] = DeviceState.RolledBack;
            document.Notes[device] = $"rolled back by the device: {reason}";
            Say($"{device}: rolled back by the device: {reason}");
        }
        await SaveAsync(document, cancellation);
        string? breach = AbortCriteria.OutcomeBreach(criteria, Sent(document));
        foreach (string device in succeeded.Where(d => document.Devices[d] == DeviceState.Succeeded))
            breach ??= AbortCriteria.QualityBreach(criteria, device, document.Before.GetValueOrDefault(device) ?? new DeviceFigures(null, null, 0, null), after[device]);
        return breach;
    }

    /// <summary>Aborts: every device the rollout changed goes back to its before-version and is marked rolled_back.</summary>
    public async Task AbortAsync(RolloutDocument document, string reason, CancellationToken cancellation)
    {
        document.State = RolloutState.Aborted;
        document.Reason = reason;
        await SaveAsync(document, cancellation, checkElsewhere: false);
        Say($"rollout {document.Id} aborted: {reason}");
        var byVersion = document.Devices.Where(kv => kv.Value == DeviceState.Succeeded)
            .Select(kv => (Device: kv.Key, Version: document.Before.GetValueOrDefault(kv.Key)?.Version))
            .ToList() // Unchanged() marks devices as it goes
            .Where(d => !Unchanged(document, d.Device, d.Version))
            .GroupBy(d => d.Version);
        foreach (var group in byVersion)
        {
            if (group.Key is not int version)
            {
                foreach (var d in group) document.Notes[d.Device] = "not rolled back: its version before the rollout is unknown";
                continue;
            }
            var action = new FleetAction(client, IProgressDisplay.For(output, quiet));
            IReadOnlyList<DeviceOutcome> outcomes = await action.RunAsync([.. group.Select(d => new DeviceView(d.Device))],
                FleetCommand.New("rollback", new JsonObject { ["version"] = version }), ReplyFollower.Rollback, followJob: false,
                FleetAction.ReplyTimeout, cancellation, document.Rate);
            foreach (DeviceOutcome outcome in outcomes)
            {
                if (outcome.Succeeded) document.Devices[outcome.Device] = DeviceState.RolledBack;
                document.Notes[outcome.Device] = outcome.Succeeded ? $"{outcome.Text} (rollout aborted)" : $"rollback to v{version} did not succeed: {outcome.Text}";
            }
        }
        await SaveAsync(document, cancellation, checkElsewhere: false);
        Say($"rollout {document.Id}: {document.Counts()}");
    }

    /// <summary>
    /// A device the rollout did not move off its before-version (a rollback to the version it had): marked rolled_back
    /// without a command, which would only restart its drift episode.
    /// </summary>
    static bool Unchanged(RolloutDocument document, string device, int? before)
    {
        bool unchanged = before is int b && document.Action == "rollback" && DeviceView.Int(document.Args, "version") == b;
        if (unchanged)
        {
            document.Devices[device] = DeviceState.RolledBack;
            document.Notes[device] = $"unchanged at v{before}: nothing to roll back (rollout aborted)";
        }
        return unchanged;
    }

    /// <summary>Saves the document, unless another operator aborted the rollout meanwhile (then that is what happened).</summary>
    async Task SaveAsync(RolloutDocument document, CancellationToken cancellation, bool checkElsewhere = true)
    {
        if (checkElsewhere && await RolloutStore.LoadAsync(client, document.Id, cancellation) is { } stored && AbortedElsewhere(stored))
            throw new RolloutAbortedElsewhere(stored);
        await RolloutStore.SaveAsync(client, document, cancellation);
    }

    bool AbortedElsewhere(RolloutDocument? stored) =>
        stored is { State: RolloutState.Aborted } && stored.UpdatedBy != client.Topics.Session;

    /// <summary>The states of the devices sent so far (not those still queued).</summary>
    static string[] Sent(RolloutDocument document) => [.. document.Devices.Values.Where(s => s != DeviceState.Queued)];

    void Say(string line)
    {
        if (!quiet) output.WriteLine(line);
    }

    static string Names(IReadOnlyList<string> devices) => string.Join(", ", devices.Take(5)) + (devices.Count > 5 ? $", … {devices.Count - 5} more" : "");
    static string Seconds(double s) => s >= 120 ? $"{s / 60:0.#} min" : $"{s:0.#} s";
    static string Rate(DeviceFigures f) => f.AnomalyRate is double r ? $"{DeviceFollower.Percent(r)} of {f.Windows}" : "?";
    static string Drift(DeviceFigures f) => f.Drift?.ToString("0.###", CultureInfo.InvariantCulture) ?? "?";
}
