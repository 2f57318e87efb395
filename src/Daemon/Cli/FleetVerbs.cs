using System.Text.Json.Nodes;
using SensorOdl.Daemon.Fleet;

namespace SensorOdl.Daemon.Cli;

/// <summary>The `fleet` verbs (docs/CONTRACT.md §1): the operator's side, over the broker the devices use.</summary>
public static class FleetVerbs
{
    public static IVerb[] All => [new FleetStatusVerb(), new FleetWatchVerb(), new FleetCommandVerb("retrain"), new FleetCommandVerb("rollback"),
        new FleetCommandVerb("promote"), new FleetCommandVerb("discard"), new FleetCommandVerb("label"),
        new FleetDeployVerb(), new FleetRolloutVerb("retrain"), new FleetRolloutVerb("rollback"), new FleetRolloutVerb(Fleet.Rollouts.RolloutActions.DeployBase), new FleetRolloutIdVerb("status"), new FleetRolloutIdVerb("resume"), new FleetRolloutIdVerb("abort"),
        new FleetSimulateVerb()];
}

/// <summary>`fleet status`: one row per device from the retained topics, merged with live answers for --all and --select.</summary>
public sealed class FleetStatusVerb : IVerb
{
    public string Name => "fleet status";
    public string Summary => "one row per device: online, state, model, anomaly, drift, progress";
    public string Help => $"""
        usage: sensorodl fleet status [--device ID | --all | --select F] [--json] [--quiet S] [broker options]

        One row per device from the retained availability, status and model topics: device, online, state, model
        version and method, anomaly (active, score), drift (detected, statistic), collecting/training progress, last seen.
        Without --device, every device that left retained state. --all also sends one 'status' command to {"{p}"}/all/cmd and
        merges the live answers (retained messages may not cross the nodes of a clustered broker), waiting until none has
        come for --quiet seconds (default 2), and says how many answered. --select F (e.g. state=drift|collecting,
        model.version=3) does the same and keeps the devices F matches (docs/CONTRACT.md §4 filters, dotted paths into
        the status and model JSON). --json: {"{devices: [...], answered}"}.

        {FleetArguments.ConnectionHelp}
        """;

    public async Task<int> RunAsync(ParsedArguments arguments, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        FleetEndpoint endpoint = FleetArguments.Endpoint(arguments);
        FleetTarget? target = FleetArguments.Target(arguments, required: false);
        TimeSpan quiet = FleetArguments.Seconds(arguments, "quiet", 2);
        bool json = arguments.Has("json");
        arguments.RejectUnknown();

        await using FleetClient client = await FleetClient.ConnectAsync(endpoint, cancellation);
        FleetSnapshot snapshot;
        if (target?.Device is { } device)
        {
            DeviceView view = await FleetTarget.OneAsync(client, device, cancellation);
            snapshot = new FleetSnapshot([view], view.Answered, view.Answered ? 1 : 0);
        }
        else
        {
            snapshot = await FleetDirectory.GatherAsync(client, null, live: target is not null, quiet, cancellation);
            if (target?.Select is { } filter) snapshot = snapshot with { Devices = FleetSelection.Apply(snapshot.Devices, filter) };
        }
        stdout.Write(json ? StatusReport.Json(snapshot).ToJsonString(FleetJson.Options) + "\n" : StatusReport.Table(snapshot, quiet));
        return 0;
    }
}

/// <summary>`fleet watch`: availability, state changes and events as they happen, until Ctrl-C.</summary>
public sealed class FleetWatchVerb : IVerb
{
    public string Name => "fleet watch";
    public string Summary => "live view of state changes and events until Ctrl-C";
    public string Help => $"""
        usage: sensorodl fleet watch [--device ID | --all] [--json] [broker options]

        Prints every device's availability, state changes and events (docs/CONTRACT.md §3) as they happen, starting from
        the retained state, until Ctrl-C (exit 0). Colour only on a terminal (and not with NO_COLOR). --json: one object per
        line: an event with "device" added, {"{ts, device, type: \"state\", state, from, model}"} or {"{ts, device, type: \"online\"|\"offline\"}"}
        (retained: true for what the broker held from before).

        {FleetArguments.ConnectionHelp}
        """;

    public async Task<int> RunAsync(ParsedArguments arguments, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        FleetEndpoint endpoint = FleetArguments.Endpoint(arguments);
        FleetTarget? target = FleetArguments.Target(arguments, required: false, select: false);
        bool json = arguments.Has("json");
        arguments.RejectUnknown();

        await using FleetClient client = await FleetClient.ConnectAsync(endpoint, cancellation);
        try { await new FleetWatch(client, stdout, json, Terminal.UsesColour(stdout)).RunAsync(target?.Device, cancellation); }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested) { }
        return 0; // Ctrl-C is how a watch ends
    }
}

/// <summary>`fleet retrain`, `fleet rollback`, `fleet label`: send to each chosen device, follow it to its outcome; exit 0 only when all succeeded.</summary>
public sealed class FleetCommandVerb(string command) : IVerb
{
    public string Name => $"fleet {command}";
    public string Summary => command switch
    {
        "retrain" => "retrain devices and follow them to promoted/rejected",
        "rollback" => "make model version V active on devices",
        "promote" => "activate the pending candidate on devices (confirm mode)",
        "discard" => "drop the pending candidate on devices (confirm mode)",
        _ => "label a time span of devices' stored windows fault or normal",
    };
    string Usage => command switch
    {
        "retrain" => "fleet retrain (--device ID | --all | --select F) [--method M] [--epochs N] [--samples N] [--timeout S] [--quiet S] [--json]",
        "rollback" => "fleet rollback --to V (--device ID | --all | --select F) [--timeout S] [--quiet S] [--json]",
        "promote" or "discard" => $"fleet {command} [--version V] (--device ID | --all | --select F) [--timeout S] [--quiet S] [--json]",
        _ => "fleet label --from T --to T --label fault|normal (--device ID | --all | --select F) [--timeout S] [--quiet S] [--json]",
    };
    string What => command switch
    {
        "retrain" => """
            Sends 'retrain' (its arguments as --method, --epochs, --samples) to each device, then follows each with a progress
            line (collecting n/m windows → training epoch k/n → validating) to its outcome: 'promoted vN (false alarms a → b)',
            'rejected: reason', 'failed: error', 'refused: code: message' or 'timeout' (--timeout, default 1800 s). In confirm
            mode a validated candidate is held: 'pending vN (false alarms a → b; promote or discard it)' (a success).
            """,
        "promote" => "Sends 'promote' (--version V: only if V is the pending candidate): the candidate becomes active; 'no_candidate' when none waits.",
        "discard" => "Sends 'discard' (--version V: only if V is the pending candidate): the candidate is dropped; 'no_candidate' when none waits.",
        "rollback" => "Sends 'rollback' with version V to each device; the reply is the outcome (--timeout, default 30 s).",
        _ => """
            Sends 'label': the windows each device still stores whose data-clock time is within [--from, --to] (Unix ms or ISO
            8601, UTC unless an offset is given) get the label (--timeout, default 30 s).
            """,
    };
    public string Help => $"""
        usage: sensorodl {Usage} [broker options]

        {What}
        --all acts on every online device (offline ones are listed and skipped); --select F on the online devices the
        filter matches (as in 'fleet status'; e.g. --select state=drift, model.version=3, device=a|b). Both find the devices
        as 'fleet status --all' does (retained state and a live status request, --quiet S). Each device gets the command
        on its own topic. Exit 0 when every device succeeded, 1 otherwise (and for an unknown or offline
        --device, an unreachable broker, a timeout), 2 for a usage error. --json prints
        {"{command, devices: [{device, outcome, succeeded, message, …}], skipped}"} at the end instead of progress lines.

        {FleetArguments.ConnectionHelp}
        """;

    public async Task<int> RunAsync(ParsedArguments arguments, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        FleetEndpoint endpoint = FleetArguments.Endpoint(arguments);
        FleetTarget target = FleetArguments.Target(arguments, required: true)!;
        JsonObject args = Arguments(arguments);
        TimeSpan timeout = FleetArguments.Seconds(arguments, "timeout", command == "retrain" ? 1800 : 30);
        TimeSpan quiet = FleetArguments.Seconds(arguments, "quiet", 2);
        bool json = arguments.Has("json");
        arguments.RejectUnknown();

        await using FleetClient client = await FleetClient.ConnectAsync(endpoint, cancellation);
        (IReadOnlyList<DeviceView> targets, IReadOnlyList<DeviceView> offline) = await target.ResolveAsync(client, quiet, cancellation);
        if (!json)
            foreach (DeviceView skipped in offline) stdout.WriteLine($"{skipped.Device}: skipped (offline)");
        Func<string, DeviceFollower> follow = command switch
        {
            "retrain" => d => new RetrainFollower(d),
            "rollback" => ReplyFollower.Rollback,
            "promote" => ReplyFollower.Promote,
            "discard" => ReplyFollower.Discard,
            _ => ReplyFollower.Label,
        };
        IReadOnlyList<DeviceOutcome> outcomes = await new FleetAction(client, IProgressDisplay.For(stdout, json))
            .RunAsync(targets, FleetCommand.New(command, args), follow, followJob: command == "retrain", timeout, cancellation);
        return FleetOutcomeReport.Write(command, outcomes, offline, stdout, stderr, json);
    }

    JsonObject Arguments(ParsedArguments arguments)
    {
        switch (command)
        {
            case "retrain":
                return FleetArguments.RetrainArgs(arguments);
            case "promote" or "discard":
                return arguments.Has("version") ? new JsonObject { ["version"] = arguments.Int("version", 0, 1) } : [];
            case "rollback":
                if (!arguments.Has("to")) throw new UsageException("--to V is required: the model version to make active.");
                return new JsonObject { ["version"] = arguments.Int("to", 0, 1) };
            default:
                long from = FleetArguments.Time(arguments, "from"), to = FleetArguments.Time(arguments, "to");
                if (to < from) throw new UsageException("--to is before --from.");
                string label = arguments.String("label") ?? throw new UsageException("--label fault|normal is required.");
                if (label is not ("fault" or "normal")) throw new UsageException($"--label must be fault or normal, not '{label}'.");
                return new JsonObject { ["from"] = from, ["to"] = to, ["label"] = label };
        }
    }
}
