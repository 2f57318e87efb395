using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Storage;

namespace SensorOdl.Daemon.Cli;

/// <summary>The local model registry, read while the daemon is stopped.</summary>
public sealed class ModelsVerb(string sub) : IVerb
{
    public string Name => $"models {sub}";
    public string Summary => sub switch
    {
        "list" => "list the model versions of the state directory",
        "show" => "show one model version: lineage, method, metrics, files",
        _ => "make an earlier model version active (daemon stopped)",
    };
    public string Help => sub switch
    {
        "list" => "usage: sensorodl models list [--json] [--out FILE] [--Storage:StateDir=DIR]\n\nVersions in ascending order; --json prints [{version, id, parentVersion, method, createdAt, active}].\n",
        "show" => "usage: sensorodl models show V [--json] [--out FILE] [--Storage:StateDir=DIR]\n",
        _ => "usage: sensorodl models rollback V [--Storage:StateDir=DIR]\n\nOnly while the daemon is stopped; a running daemon takes the MQTT 'rollback' command instead.\n",
    };

    public Task<int> RunAsync(ParsedArguments arguments, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        DaemonSettings settings = arguments.LoadSettings();
        int? version = sub == "list" ? null : Version(arguments);
        arguments.String("out");
        arguments.Has("json");
        arguments.RejectUnknown();
        using StateDatabase state = Open(settings);
        var registry = new ModelRegistry(state, settings.StateDirectory, settings.Storage.KeepVersions);
        int? active = registry.ActiveVersion;
        switch (sub)
        {
            case "list":
                var rows = registry.List().Select(v => new ModelSummary(v.Version, v.Id, v.ParentVersion, v.Method, v.CreatedAt, v.Version == active)).ToList();
                ReportOutput.Write(rows, ListTable(rows), arguments, stdout);
                return Task.FromResult(0);
            case "show":
                ModelVersionRecord record = registry.Get(version!.Value) ?? throw new KeyNotFoundException($"There is no model version {version}.");
                var details = new ModelDetails(record.Version, record.Id, record.ParentVersion, record.Method, record.CreatedAt, record.Version == active,
                    record.Retired, record.BaseHash, record.BaseFile, record.AdapterFile, record.TrainSamples, record.Threshold, record.Metrics, record.Reason, record.Job);
                ReportOutput.Write(details, ShowTable(details), arguments, stdout);
                return Task.FromResult(0);
            default:
                ModelVersionRecord chosen = registry.Get(version!.Value) ?? throw new KeyNotFoundException($"There is no model version {version}.");
                registry.Load(chosen, new Learning.FineTuning.FineTuneOptions()); // refuse a version whose files do not verify
                registry.Activate(chosen.Version);
                stdout.WriteLine($"Model version {chosen.Version} ({chosen.Method}) is active; it was {active}.");
                return Task.FromResult(0);
        }
    }

    StateDatabase Open(DaemonSettings settings)
    {
        if (!File.Exists(Path.Combine(settings.StateDirectory, StateDatabase.FileName)))
            throw new StateBusyException($"there is no state in {settings.StateDirectory} (set --Storage:StateDir or run the daemon first).");
        try { return StateDatabase.Open(settings.StateDirectory); }
        catch (StateBusyException) when (sub == "rollback")
        {
            throw new StateBusyException($"the daemon holds {settings.StateDirectory}; roll back through MQTT instead: publish {{\"id\":\"…\",\"command\":\"rollback\",\"args\":{{\"version\":N}}}} to {settings.Mqtt.TopicPrefix}/{settings.DeviceId}/cmd.");
        }
        catch (StateBusyException)
        {
            throw new StateBusyException($"the daemon holds {settings.StateDirectory}; ask it instead: the retained topic {settings.Mqtt.TopicPrefix}/{settings.DeviceId}/model shows the active version, the 'status' command the rest.");
        }
    }

    static int Version(ParsedArguments arguments)
    {
        if (arguments.Positionals.Count != 1 || !int.TryParse(arguments.Positionals[0], NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v < 1)
            throw new UsageException("give one model version number, e.g. 'sensorodl models show 3'.");
        arguments.Positionals.Clear();
        return v;
    }

    static string ListTable(IReadOnlyList<ModelSummary> rows)
    {
        var text = new StringBuilder($"{"version",7}  {"id",-12}  {"parent",6}  {"method",-14}  {"created (UTC)",-20}  active\n");
        foreach (ModelSummary r in rows)
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{r.Version,7}  {r.Id[..Math.Min(12, r.Id.Length)],-12}  {r.ParentVersion?.ToString(CultureInfo.InvariantCulture) ?? "-",6}  {r.Method,-14}  {DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAt):yyyy-MM-dd HH:mm:ss}  {(r.Active ? "*" : "")}");
        if (rows.Count == 0) text.AppendLine("(no versions)");
        return text.ToString();
    }

    static string ShowTable(ModelDetails d)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"version {d.Version}{(d.Active ? " (active)" : "")}{(d.Retired ? " (retired)" : "")}: {d.Method}, parent {d.ParentVersion?.ToString(CultureInfo.InvariantCulture) ?? "-"}");
        text.AppendLine(CultureInfo.InvariantCulture, $"id {d.Id}");
        text.AppendLine(CultureInfo.InvariantCulture, $"created {DateTimeOffset.FromUnixTimeMilliseconds(d.CreatedAt):u}; trained on {d.TrainSamples} windows; threshold {d.Threshold:G5}");
        text.AppendLine(CultureInfo.InvariantCulture, $"files {d.BaseFile}{(d.AdapterFile is null ? "" : " + " + d.AdapterFile)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"reason {d.Reason}");
        foreach ((string key, double value) in d.Metrics) text.AppendLine(CultureInfo.InvariantCulture, $"  {key} = {value:G5}");
        return text.ToString();
    }
}

public sealed record ModelSummary(int Version, string Id, int? ParentVersion, string Method, long CreatedAt, bool Active);

public sealed record ModelDetails(int Version, string Id, int? ParentVersion, string Method, long CreatedAt, bool Active, bool Retired,
    string BaseHash, string BaseFile, string? AdapterFile, int TrainSamples, float Threshold, Dictionary<string, double> Metrics, string Reason, string? Job);
