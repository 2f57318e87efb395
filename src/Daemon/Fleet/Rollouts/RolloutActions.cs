using System.Text.Json.Nodes;

namespace SensorOdl.Daemon.Fleet.Rollouts;

/// <summary>
/// What a rollout stage does to each of its devices, by the rollout's action: `retrain` and `rollback` send one command
/// and follow it (<see cref="FleetAction"/>); `deploy-base` sends a base model file as a chunked transfer
/// (<see cref="DeployAction"/>). Either way each device ends with an outcome that <see cref="RolloutOutcomes"/> maps to
/// its rollout state.
/// </summary>
public static class RolloutActions
{
    public const string Retrain = "retrain", Rollback = "rollback", DeployBase = "deploy-base";

    public static async Task<IReadOnlyList<DeviceOutcome>> RunAsync(FleetClient client, IProgressDisplay display, RolloutDocument document,
        IReadOnlyList<string> devices, CancellationToken cancellation)
    {
        List<DeviceView> views = [.. devices.Select(d => new DeviceView(d))];
        TimeSpan timeout = TimeSpan.FromSeconds(document.TimeoutSeconds);
        if (document.Action == DeployBase)
            return await new DeployAction(client, display).RunAsync(views, Package(document), timeout, cancellation, document.Rate);
        bool retrain = document.Action == Retrain;
        Func<string, DeviceFollower> follow = retrain ? d => new RetrainFollower(d) : ReplyFollower.Rollback;
        return await new FleetAction(client, display).RunAsync(views, FleetCommand.New(document.Action, document.Args), follow, followJob: retrain,
            timeout, cancellation, document.Rate);
    }

    /// <summary>A deploy-base rollout's args: the file (absolute path), its SHA-256 and the chunk size, so that a resume sends the same file.</summary>
    public static JsonObject DeployArgs(DeployPackage package) => new()
    {
        ["model"] = package.Path, ["sha256"] = package.Sha256, ["chunkKb"] = package.ChunkBytes / 1024,
    };

    /// <summary>The file a deploy-base rollout sends, read again (a resume); one that changed since the rollout began is refused.</summary>
    public static DeployPackage Package(RolloutDocument document)
    {
        string path = DeviceView.Str(document.Args, "model") ?? throw new FleetException($"rollout {document.Id} names no model file.");
        DeployPackage package = DeployPackage.Read(path, DeviceView.Int(document.Args, "chunkKb") ?? DeployPackage.DefaultChunkKb);
        if (package.Sha256 != DeviceView.Str(document.Args, "sha256"))
            throw new FleetException($"the model file {path} changed since rollout {document.Id} began (its SHA-256 is no longer the recorded one).");
        return package;
    }

    /// <summary>On resume: whether a device left `running` shows that the action took effect (a newer version; version V after a rollback).</summary>
    public static bool TookEffect(RolloutDocument document, int? now, int? before) => document.Action == Rollback
        ? now == DeviceView.Int(document.Args, "version")
        : now is int n && before is int b && n > b;
}
