using System.Text.Json.Nodes;
using SensorOdl.Daemon.Fleet;

namespace SensorOdl.Daemon.Cli;

/// <summary>`fleet deploy-base`: sends a base model file to each chosen device in chunks; each device verifies, stores and promotes it.</summary>
public sealed class FleetDeployVerb : IVerb
{
    public string Name => "fleet deploy-base";
    public string Summary => "push a base model file (train --model-out) to devices; each stores and promotes it";
    public string Help => $"""
        usage: sensorodl fleet deploy-base --model FILE (--device ID | --all | --select F) [--chunk-kb N] [--timeout S]
                 [--quiet S] [--json] [broker options]

        Sends FILE, a base model written by 'sensorodl train --model-out', to each device as 'deploy' commands of --chunk-kb
        KiB each (default {DeployPackage.DefaultChunkKb}, at most {DeployPackage.MaxChunkKb}: a chunk in base64 must fit one 64 KiB command), one chunk
        at a time per device, at most {DeployAction.DefaultChunksPerSecond:0} a second (the pace halves when a chunk goes unanswered, e.g. dropped by the
        device's inbound flood limit, and the chunk is sent again). Every chunk carries its SHA-256; the device checks
        the whole file's SHA-256, that it is a base model and that its features match the sensor, then stores it as a
        new model version and promotes it (on probation, like any promotion). A transfer cut off (Ctrl-C, a lost
        connection, a device restart) continues where it stopped when the same file is sent again. Progress: 'sending
        chunk k/n'; outcome 'deployed vN (base …, was vM; …)' or 'refused: code: message' (bad_chunk, checksum_mismatch,
        bad_model, feature_mismatch, too_large, busy, …) or 'timeout' (--timeout per device, default 600 s).
        --all and --select act on online devices as in 'fleet retrain'. Exit 0 when every device took the model, 1
        otherwise (and for an unreadable FILE, an unknown or offline --device, an unreachable broker), 2 for a usage error.
        --json prints {"{command, devices: [{device, outcome, succeeded, message, result, chunksSent, resent}], skipped}"} at the end.

        {FleetArguments.ConnectionHelp}
        """;

    public async Task<int> RunAsync(ParsedArguments arguments, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        FleetEndpoint endpoint = FleetArguments.Endpoint(arguments);
        FleetTarget target = FleetArguments.Target(arguments, required: true)!;
        string model = ModelOption(arguments);
        int chunkKb = arguments.Int("chunk-kb", DeployPackage.DefaultChunkKb, 1, DeployPackage.MaxChunkKb);
        TimeSpan timeout = FleetArguments.Seconds(arguments, "timeout", 600);
        TimeSpan quiet = FleetArguments.Seconds(arguments, "quiet", 2);
        bool json = arguments.Has("json");
        arguments.RejectUnknown();
        DeployPackage package = DeployPackage.Read(model, chunkKb);

        await using FleetClient client = await FleetClient.ConnectAsync(endpoint, cancellation);
        (IReadOnlyList<DeviceView> targets, IReadOnlyList<DeviceView> offline) = await target.ResolveAsync(client, quiet, cancellation);
        if (!json)
        {
            foreach (DeviceView skipped in offline) stdout.WriteLine($"{skipped.Device}: skipped (offline)");
            stdout.WriteLine($"deploying {Path.GetFileName(package.Path)} ({package.Bytes.Length} bytes, sha256 {package.Sha256[..12]}…, {package.Count} chunk{(package.Count == 1 ? "" : "s")}) to {targets.Count} device{(targets.Count == 1 ? "" : "s")}");
        }
        IReadOnlyList<DeviceOutcome> outcomes = await new DeployAction(client, IProgressDisplay.For(stdout, json)).RunAsync(targets, package, timeout, cancellation);
        return FleetOutcomeReport.Write("deploy", outcomes, offline, stdout, stderr, json);
    }

    /// <summary>`--model FILE`: required, and the file must exist (a usage error before anything is sent).</summary>
    public static string ModelOption(ParsedArguments arguments)
    {
        string model = arguments.String("model") ?? throw new UsageException("--model FILE is required: a base model file from 'sensorodl train --model-out'.");
        if (!File.Exists(model)) throw new UsageException($"--model: file '{model}' does not exist.");
        return model;
    }
}

/// <summary>The end of a fleet command: a summary line or the JSON, and the exit code (0 only when every device succeeded).</summary>
static class FleetOutcomeReport
{
    public static int Write(string command, IReadOnlyList<DeviceOutcome> outcomes, IReadOnlyList<DeviceView> offline, TextWriter stdout, TextWriter stderr, bool json)
    {
        int succeeded = outcomes.Count(o => o.Succeeded);
        if (json)
            stdout.WriteLine(new JsonObject
            {
                ["command"] = command,
                ["devices"] = new JsonArray([.. outcomes.Select(o => (JsonNode)o.ToJson())]),
                ["skipped"] = new JsonArray([.. offline.Select(v => (JsonNode)JsonValue.Create(v.Device))]),
            }.ToJsonString(FleetJson.Options));
        else if (outcomes.Count > 1 || offline.Count > 0)
            stdout.WriteLine($"{succeeded} of {outcomes.Count} device{(outcomes.Count == 1 ? "" : "s")} succeeded{(offline.Count > 0 ? $"; {offline.Count} offline skipped" : "")}.");
        if (succeeded == outcomes.Count) return 0;
        List<DeviceOutcome> failed = [.. outcomes.Where(o => !o.Succeeded)];
        stderr.WriteLine(outcomes.Count == 1
            ? $"sensorodl: {failed[0].Device}: {failed[0].Text}"
            : $"sensorodl: {failed.Count} of {outcomes.Count} devices did not succeed ({string.Join(", ", failed.Take(5).Select(o => $"{o.Device} {o.Kind}"))}{(failed.Count > 5 ? ", …" : "")}).");
        return 1;
    }
}
