using System.Text.Json;
using System.Text.Json.Serialization;

namespace SensorOdl.Daemon.Storage;

/// <summary>
/// <c>manifest.json</c> of a state archive (docs/CONTRACT.md §1 <c>state export</c>): what the archive holds and the
/// SHA-256 of every other entry, so that import refuses an archive any byte of which changed.
/// </summary>
public sealed record StateArchiveManifest
{
    public const string Kind = "sensorodl-state", EntryName = "manifest.json";
    public const int CurrentFormat = 1;

    [JsonPropertyName("kind")] public string ArchiveKind { get; init; } = Kind;
    public int Format { get; init; } = CurrentFormat;
    public string DeviceId { get; init; } = "";
    /// <summary>Unix ms.</summary>
    public long CreatedAt { get; init; }
    public int? ActiveVersion { get; init; }
    /// <summary>The kept (not retired) versions, whose model files the archive carries.</summary>
    public int[] Versions { get; init; } = [];
    /// <summary>Event seqs up to here may have been used on the source: the target continues after it.</summary>
    public long EventSeq { get; init; }
    /// <summary>The highest model version the source ever recorded: the target continues after it.</summary>
    public int ModelVersion { get; init; }
    public int LabelledWindows { get; init; }
    public int SeenCommandIds { get; init; }
    /// <summary>Unlabelled windows of the sample store (only with <c>--samples</c>, else 0 and no samples entry).</summary>
    public int? Samples { get; init; }
    /// <summary>Every other entry and its SHA-256 (lowercase hex).</summary>
    public SortedDictionary<string, string> Entries { get; init; } = new(StringComparer.Ordinal);
}

/// <summary><c>registry.json</c>: every version record (retired ones too, for the lineage) and the active pointer.</summary>
public sealed record ArchivedRegistry(int? Active, ModelVersionRecord[] Versions);

/// <summary>
/// A window of the sample store as archived: features as the stored float32 bytes and probes as their stored bytes
/// (<see cref="SampleProbeCodec"/>; absent when the window has none), base64. <paramref name="Id"/> is its sample id on the
/// source (absent in archives of earlier builds): import keeps the ids, and so the windows' order, unless the target
/// already used some of them.
/// </summary>
public sealed record ArchivedSample(long Ts, string? Label, byte[] Features,
    [property: JsonPropertyOrder(-1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Id = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] byte[]? Probes = null)
{
    public static ArchivedSample From(StoredWindow window) => new(window.Ts, window.Label, window.Features, window.Id, window.Probes);
}

public sealed record ArchivedSeenCommand(string Id, long Ts);

/// <summary>The archive cannot be used: damaged, of another kind, or it contradicts itself. Exit 1.</summary>
public sealed class StateArchiveException(string message) : Exception(message);

static class StateArchiveNames
{
    public const string Registry = "registry.json", Labels = "labels.json", SeenCommands = "seen-commands.json", Samples = "samples.json";
    public const string ModelsPrefix = ModelRegistry.ModelsDirectoryName + "/";
    // The collections of the state database the archive reads and writes (docs/CONTRACT.md §4).
    public const string SeenCommandsCollection = "seen_commands", SampleCounter = "sample";
}
