using System.Text.Json.Nodes;
using SensorOdl.Daemon.Fleet;
using SensorOdl.Daemon.Fleet.Rollouts;

namespace SensorOdl.Daemon.Cli;

/// <summary>`fleet rollout retrain|rollback`: a staged rollout that aborts on outcomes and on each device's quality after it.</summary>
public sealed class FleetRolloutVerb(string action) : IVerb
{
    public string Name => $"fleet rollout {action}";
    public string Summary => action switch
    {
        "retrain" => "retrain a fleet in stages, abort on rejections or worse anomaly rates",
        RolloutActions.DeployBase => "push a base model file to a fleet in stages, abort on worse anomaly rates or probation rollbacks",
        _ => "roll a fleet back to version V in stages",
    };
    string Usage => action switch
    {
        "retrain" => "retrain [--method M] [--epochs N] [--samples N]",
        RolloutActions.DeployBase => "deploy-base --model FILE [--chunk-kb N]",
        _ => "rollback --to V",
    };
    string DefaultTimeout => action switch { "retrain" => "1800", RolloutActions.DeployBase => "600", _ => "30" };
    public string Help => $"""
        usage: sensorodl fleet rollout {Usage}
                 (--select F | --all | --device ID) [--stages 10,50,100%] [--min-wait 10m] [--abort-if CRITERIA]
                 [--rate 5/s] [--id ID] [--timeout S] [--quiet S] [--json] [broker options]

        A staged rollout (docs/FLEET.md). The selected online devices, sorted by id, are split into stages by cumulative
        share (--stages, the last 100 %). First every device is watched for --min-wait (default 10m) to record its own
        before-figures: the share of telemetry windows it flags, its drift statistic, its model version. Then, per stage:
        '{action}' goes to the stage's devices (at most --rate commands per second, default 5/s) and each is followed to its
        outcome (--timeout S per device, default {DefaultTimeout}); a device that answers busy or
        rate_limited is retried in the next stage (failed after the last); then the succeeded devices are watched for
        --min-wait again and compared with their own before-figures.
        --abort-if (default {AbortCriteria.Default}), comma-separated, any one aborts: rejected|failed|timed_out|rolled_back
        >N% (share of the devices sent so far) or >N (count); anomalyRate>Nx (a device flags more than N times its own
        before-share, taken as at least 1 %) or >N% (absolute); drift>Nx or >S (statistic). On abort every device the rollout
        changed is rolled back to its version before it (state rolled_back); later stages are not touched.
        The rollout's state is retained on {"{p}"}/fleet/rollouts/ID (--id, default ro-<time>-<hex>): 'fleet rollout status ID'
        shows it from anywhere, 'fleet rollout resume ID' continues it from the recorded stage, 'fleet rollout abort ID'
        stops it. Exit 0 when the rollout succeeded and every device did; 1 when it aborted or a device did not
        succeed (or the broker is unreachable, nothing matches); 2 for a usage error. --json prints the final state.

        {FleetArguments.ConnectionHelp}
        """;

    public async Task<int> RunAsync(ParsedArguments arguments, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        FleetEndpoint endpoint = FleetArguments.Endpoint(arguments);
        FleetTarget target = FleetArguments.Target(arguments, required: true)!;
        JsonObject args = Arguments(arguments);
        IReadOnlyList<double> stages = RolloutStages.Parse(arguments.String("stages") ?? "10,50,100%");
        TimeSpan minWait = RolloutOptions.Duration("min-wait", arguments.String("min-wait") ?? "10m");
        string abortIf = arguments.String("abort-if") ?? AbortCriteria.Default;
        IReadOnlyList<AbortCriterion> criteria = AbortCriteria.Parse(abortIf);
        double rate = RolloutOptions.Rate(arguments.String("rate") ?? "5/s");
        string id = arguments.String("id") ?? RolloutDocument.NewId();
        if (!RolloutStore.IsValidId(id)) throw new UsageException($"--id '{id}' is not a rollout id (1–64 letters, digits, '-', '_', '.').");
        TimeSpan timeout = FleetArguments.Seconds(arguments, "timeout", double.Parse(DefaultTimeout, System.Globalization.CultureInfo.InvariantCulture));
        TimeSpan quiet = FleetArguments.Seconds(arguments, "quiet", 2);
        bool json = arguments.Has("json");
        arguments.RejectUnknown();

        await using FleetClient client = await FleetClient.ConnectAsync(endpoint, cancellation);
        if (await RolloutStore.LoadAsync(client, id, cancellation) is { } existing)
            throw new FleetException($"rollout {id} already exists ({existing.State}); use 'fleet rollout status|resume {id}' or another --id.");
        (IReadOnlyList<DeviceView> targets, IReadOnlyList<DeviceView> offline) = await target.ResolveAsync(client, quiet, cancellation);
        if (!json)
            foreach (DeviceView skipped in offline) stdout.WriteLine($"{skipped.Device}: skipped (offline)");
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var document = new RolloutDocument
        {
            Id = id, Action = action, Args = args, Select = target.Describe(), Stages = stages, AbortIf = string.Join(",", criteria),
            MinWaitSeconds = minWait.TotalSeconds, Rate = rate, TimeoutSeconds = timeout.TotalSeconds,
            Plan = RolloutStages.Plan(targets.Select(t => t.Device), stages), CreatedAt = now,
        };
        foreach (DeviceView view in targets) document.Devices[view.Device] = DeviceState.Queued;
        if (!json) stdout.WriteLine($"rollout {id}: {action} on {targets.Count} device{(targets.Count == 1 ? "" : "s")} in {document.Plan.Count} stage{(document.Plan.Count == 1 ? "" : "s")} ({string.Join(" + ", document.Plan.Select(p => p.Count))})");
        return await FleetRollouts.DriveAsync(client, document, stdout, stderr, json, cancellation);
    }

    JsonObject Arguments(ParsedArguments arguments)
    {
        if (action == RolloutActions.DeployBase)
        {
            string model = FleetDeployVerb.ModelOption(arguments);
            int chunkKb = arguments.Int("chunk-kb", DeployPackage.DefaultChunkKb, 1, DeployPackage.MaxChunkKb);
            return RolloutActions.DeployArgs(DeployPackage.Read(model, chunkKb));
        }
        if (action == "rollback")
        {
            if (!arguments.Has("to")) throw new UsageException("--to V is required: the model version to make active.");
            return new JsonObject { ["version"] = arguments.Int("to", 0, 1) };
        }
        return FleetArguments.RetrainArgs(arguments);
    }
}

/// <summary>`fleet rollout status|resume|abort ID`: a rollout found by its retained topic, from any operator's tool.</summary>
public sealed class FleetRolloutIdVerb(string what) : IVerb
{
    public string Name => $"fleet rollout {what}";
    public string Summary => what switch
    {
        "status" => "a rollout's state from its retained topic (all rollouts without ID)",
        "resume" => "continue a paused or interrupted rollout from its recorded stage",
        _ => "abort a rollout and roll its changed devices back",
    };
    public string Help => $"""
        usage: sensorodl fleet rollout {what} {(what == "status" ? "[ID] [--json]" : "ID [--json]")} [broker options]

        {what switch
        {
            "status" => "Reads {p}/fleet/rollouts/ID (retained): the rollout, its stage and state, and per device its stage, state, figures before and after, and why it ended so. Without ID: one line per retained rollout. Exit 0; 1 when there is no such rollout.",
            "resume" => "Continues a rollout that is queued, running (its tool stopped) or paused from the recorded stage, with its own options; a device left running is checked against its live status first. Exit codes as 'fleet rollout retrain'.",
            _ => "Marks the rollout aborted (a tool still driving it stops at its next step) and rolls every device it changed back to its version before the rollout. Exit 0; 1 when there is no such rollout or it already ended.",
        }}

        {FleetArguments.ConnectionHelp}
        """;

    public async Task<int> RunAsync(ParsedArguments arguments, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        FleetEndpoint endpoint = FleetArguments.Endpoint(arguments);
        bool json = arguments.Has("json");
        string? id = arguments.Positionals.Count > 0 ? arguments.Positionals[0] : null;
        if (id is not null) arguments.Positionals.RemoveAt(0);
        if (id is null && what != "status") throw new UsageException($"Say which rollout: fleet rollout {what} ID.");
        if (id is not null && !RolloutStore.IsValidId(id)) throw new UsageException($"'{id}' is not a rollout id.");
        arguments.RejectUnknown();

        await using FleetClient client = await FleetClient.ConnectAsync(endpoint, cancellation);
        if (id is null) return await ListAsync(client, stdout, json, cancellation);
        RolloutDocument document = await RolloutStore.LoadAsync(client, id, cancellation)
            ?? throw new FleetException($"no rollout '{id}' is retained on {RolloutStore.Topic(client.Topics, id)}.");
        switch (what)
        {
            case "status":
                stdout.Write(json ? document.ToJson().ToJsonString(FleetJson.Options) + "\n" : RolloutReport.Table(document));
                return 0;
            case "resume":
                if (RolloutState.Finished(document.State)) throw new FleetException($"rollout {id} already {document.State}; nothing to resume.");
                if (!json) stdout.WriteLine($"resuming rollout {id} at stage {Math.Max(document.Stage, 1)}/{document.Plan.Count} ({document.Counts()})");
                document.Reason = null;
                return await FleetRollouts.DriveAsync(client, document, stdout, stderr, json, cancellation);
            default:
                if (RolloutState.Finished(document.State)) throw new FleetException($"rollout {id} already {document.State}; nothing to abort.");
                await new RolloutRunner(client, stdout, json).AbortAsync(document, "aborted by an operator", cancellation);
                if (json) stdout.WriteLine(document.ToJson().ToJsonString(FleetJson.Options));
                return 0;
        }
    }

    static async Task<int> ListAsync(FleetClient client, TextWriter stdout, bool json, CancellationToken cancellation)
    {
        string filter = RolloutStore.Topic(client.Topics, "+");
        await client.SubscribeAsync([filter], cancellation);
        var found = new List<RolloutDocument>();
        string prefix = filter[..^1];
        await client.SyncAsync(m =>
        {
            if (m.Retain && m.Topic.StartsWith(prefix, StringComparison.Ordinal) && RolloutDocument.FromJson(m.Json) is { } d) found.Add(d);
        }, TimeSpan.FromSeconds(3), cancellation);
        found.Sort((a, b) => a.CreatedAt.CompareTo(b.CreatedAt));
        if (json) stdout.WriteLine(new JsonObject { ["rollouts"] = new JsonArray([.. found.Select(d => (JsonNode)d.ToJson())]) }.ToJsonString(FleetJson.Options));
        else if (found.Count == 0) stdout.WriteLine($"no rollout is retained under {prefix}");
        else foreach (RolloutDocument d in found) stdout.WriteLine(RolloutReport.Heading(d));
        return 0;
    }
}

/// <summary>Runs a rollout document to its end and turns the result into output and an exit code.</summary>
static class FleetRollouts
{
    public static async Task<int> DriveAsync(FleetClient client, RolloutDocument document, TextWriter stdout, TextWriter stderr, bool json, CancellationToken cancellation)
    {
        try { await new RolloutRunner(client, stdout, json).RunAsync(document, cancellation); }
        catch (RolloutAbortedElsewhere elsewhere)
        {
            if (json) stdout.WriteLine(elsewhere.Document.ToJson().ToJsonString(FleetJson.Options));
            stderr.WriteLine($"sensorodl: {elsewhere.Message}");
            return 1;
        }
        if (json) stdout.WriteLine(document.ToJson().ToJsonString(FleetJson.Options));
        if (document.State == RolloutState.Aborted)
        {
            stderr.WriteLine($"sensorodl: rollout {document.Id} aborted: {document.Reason}");
            return 1;
        }
        int bad = document.Devices.Values.Count(s => s != DeviceState.Succeeded);
        if (bad == 0) return 0;
        stderr.WriteLine($"sensorodl: rollout {document.Id}: {bad} of {document.Devices.Count} devices did not succeed ({document.Counts()}).");
        return 1;
    }
}
