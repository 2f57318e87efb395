using System.Text.Json.Nodes;
using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Drivers.Features;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.Models;

namespace SensorOdl.Daemon.Mqtt;

/// <summary>
/// The `deploy` command (docs/CONTRACT.md §3): a base model trained elsewhere arrives in checksummed chunks, each one
/// command (so signed like any other when a key is set, and paced by the sender to the inbound rate limit). A command
/// without `index` asks where the transfer stands (and starts it); with `index`, `data` and `chunkSha256` it stores
/// that chunk. Every answer names the next chunk wanted. When the last one arrives the whole file is checked — size
/// and SHA-256, a base model file this release reads, the sensor's feature configuration — stored as a new registry
/// version and promoted through the same path as an adapted candidate, so probation covers it. A chunk re-sent after
/// that answers the same result; a new query starts the transfer again.
/// </summary>
public sealed class DeployHandler(LiveSettings settings, DaemonStatus status, ModelRegistry registry, AdaptationCoordinator adaptation,
    ActiveModel active, IEventSink events, FeatureConfiguration sensorFeatures, DeployTransferStore store, TimeProvider time)
{
    /// <summary>`deploy_progress` while receiving: the first chunk, then at most one per this interval.</summary>
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(2);
    readonly Lock _gate = new();
    (DeployHeader Header, JsonObject Result)? _completed;
    long? _lastProgress;

    long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    public JsonNode Execute(JsonObject args)
    {
        CommandHandlers.Only(args, "transfer", "count", "size", "sha256", "index", "chunkSha256", "data");
        var header = new DeployHeader(
            CommandHandlers.OptionalString(args, "transfer") ?? throw CommandError.BadArgs("'transfer' is required"),
            CommandHandlers.OptionalInt(args, "count", 1, DeployHeader.MaxCount) ?? throw CommandError.BadArgs("'count' is required"),
            CommandHandlers.OptionalLong(args, "size") ?? throw CommandError.BadArgs("'size' (bytes) is required"),
            CommandHandlers.OptionalString(args, "sha256") ?? throw CommandError.BadArgs("'sha256' is required"));
        header.Check(settings.Current.Model.MaxDeployBytes);
        int? index = CommandHandlers.OptionalInt(args, "index", 0, header.Count - 1);
        string? data = CommandHandlers.OptionalString(args, "data");
        string? chunkSha = CommandHandlers.OptionalString(args, "chunkSha256");
        if (index is null != (data is null) || index is null != (chunkSha is null))
            throw CommandError.BadArgs("a chunk needs 'index', 'data' and 'chunkSha256' together; without them the command asks where the transfer stands");
        lock (_gate)
        {
            if (index is not int i)
            {
                if (_completed?.Header == header) _completed = null; // asked again: the file is sent again, as a new version
                return Answer(store.Open(header));
            }
            if (_completed is { } done && done.Header == header) return done.Result.DeepClone(); // the last chunk, sent twice
            byte[] bytes;
            try { bytes = Convert.FromBase64String(data!); }
            catch (FormatException) { throw new CommandError("bad_chunk", $"chunk {i}: 'data' is not base64"); }
            DeployTransfer transfer = store.Open(header);
            bool added = transfer.Add(i, bytes, chunkSha!);
            if (!transfer.Complete)
            {
                if (added && (transfer.Received == 1 || _lastProgress is not long last || time.GetElapsedTime(last) >= ProgressInterval)) Progress(transfer, "receiving");
                return Answer(transfer);
            }
            return Finish(transfer);
        }
    }

    static JsonObject Answer(DeployTransfer transfer) => new()
    {
        ["transfer"] = transfer.Header.Transfer, ["complete"] = false, ["received"] = transfer.Received, ["count"] = transfer.Header.Count,
        ["bytes"] = transfer.Bytes, ["size"] = transfer.Header.Size, ["next"] = transfer.Next,
    };

    /// <summary>Every chunk is there: verify the file as a whole, store it as a new version and promote it.</summary>
    JsonObject Finish(DeployTransfer transfer)
    {
        DeployHeader header = transfer.Header;
        AnomalyModel model;
        byte[] file;
        try
        {
            file = transfer.Assemble();
            model = Verify(file, header);
        }
        catch (CommandError e) when (e.Code != "bad_chunk")
        {
            Progress(transfer, "refused", e.Code);
            store.Remove(transfer); // refused as a whole: nothing is kept, the sender starts again
            throw;
        }
        if (status.Activity is DaemonState.Training or DaemonState.Validating)
            throw new CommandError("busy", "a retrain is running; the transfer is kept: send its last chunk again when the retrain ends");

        int from = active.Current.Info.Version;
        string reason = $"deployed base {header.Sha256[..12]} (transfer {header.Transfer})";
        ModelVersionRecord record = registry.AddBaseFile(file, model, reason, job: $"deploy-{header.Transfer}");
        adaptation.PromoteStored(model, record, reason);
        store.Remove(transfer);
        var result = new JsonObject
        {
            ["transfer"] = header.Transfer, ["complete"] = true, ["received"] = header.Count, ["count"] = header.Count, ["bytes"] = header.Size,
            ["size"] = header.Size, ["next"] = null, ["version"] = record.Version, ["id"] = record.Id, ["baseHash"] = record.BaseHash,
            ["fromVersion"] = from,
        };
        _completed = (header, result);
        Progress(transfer, "installed", version: record.Version);
        return (JsonObject)result.DeepClone();
    }

    /// <summary>The assembled file as a base model for this sensor, or `bad_model` / `feature_mismatch`.</summary>
    AnomalyModel Verify(byte[] bytes, DeployHeader header)
    {
        AnomalyModel model;
        try
        {
            ModelDocument document = ModelFile.Deserialize(bytes, "the deployed file");
            if (document.Kind != ModelKind.Base) throw new ModelFormatException("the deployed file holds adapters, not a base model");
            model = AnomalyModelDocuments.ReadBase(document, header.Sha256);
        }
        catch (Exception e) when (e is ModelFormatException or ArgumentException or InvalidOperationException or FormatException or OverflowException
                                   or System.Text.Json.JsonException)
        {
            throw new CommandError("bad_model", $"not a base model file: {e.Message.TrimEnd('.')}");
        }
        if (sensorFeatures.MismatchWith(model.FeatureConfig) is { } mismatch)
            throw new CommandError("feature_mismatch", $"the model was trained on features {model.FeatureConfig}, this sensor gives {sensorFeatures}. {mismatch}");
        return model;
    }

    void Progress(DeployTransfer transfer, string phase, string? code = null, int? version = null)
    {
        _lastProgress = time.GetTimestamp();
        var fields = new JsonObject
        {
            ["transfer"] = transfer.Header.Transfer, ["sha256"] = transfer.Header.Sha256, ["phase"] = phase,
            ["received"] = phase == "installed" ? transfer.Header.Count : transfer.Received, ["count"] = transfer.Header.Count,
            ["bytes"] = phase == "installed" ? transfer.Header.Size : transfer.Bytes, ["size"] = transfer.Header.Size,
        };
        if (code is not null) fields["code"] = code;
        if (version is not null) fields["version"] = version;
        events.Emit("deploy_progress", NowMs, fields);
    }
}
