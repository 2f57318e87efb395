using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace SensorOdl.Daemon.Storage.Durability;

/// <summary>What the side file <c>sensorodl.marks</c> holds (format 2 of the state directory).</summary>
public sealed record MarksDocument
{
    public int Format { get; init; } = StateFormat.Current;
    /// <summary>Event seqs up to here may have been handed out; a rebuilt state continues after it.</summary>
    public long EventSeqReserved { get; init; }
    /// <summary>The highest model version ever recorded; a rebuilt state continues after it.</summary>
    public int ModelVersion { get; init; }
    /// <summary>The active version's record, so that a rebuilt state starts from the last good model.</summary>
    public ModelVersionRecord? Active { get; init; }
}

public static class StateFormat
{
    /// <summary>1: LiteDB's own files (sensorodl.db, sensorodl-log.db). 2: the framed log, the journal, the marks.</summary>
    public const int Current = 2;
}

/// <summary>
/// The small synced side file that outlives the state database: the event-seq and model-version high-water marks
/// and the active version, so that a state that had to be moved aside (see <see cref="StateRecovery"/>) never
/// reuses a number and starts from the last good model. Seqs are reserved in blocks, so this file is rewritten
/// (atomically: temp, fsync, rename, fsync of the directory) once per block and per model version, not per event.
/// The content ends in its SHA-256: a damaged file is not believed.
/// </summary>
public sealed class HighWaterMarks
{
    public const string FileName = "sensorodl.marks";
    public const long SeqBlock = 1000;
    readonly IStorageFiles _files;
    readonly string _path;
    readonly Lock _gate = new();
    MarksDocument _current;

    HighWaterMarks(IStorageFiles files, string path, MarksDocument current)
    {
        _files = files;
        _path = path;
        _current = current;
    }

    public static HighWaterMarks Open(IStorageFiles files, string stateDirectory)
    {
        string path = Path.Combine(stateDirectory, FileName);
        return new HighWaterMarks(files, path, Read(files, path) ?? new MarksDocument());
    }

    /// <summary>The file's content, or null when it is absent or damaged.</summary>
    public static MarksDocument? Read(IStorageFiles files, string path)
    {
        if (!files.Exists(path)) return null;
        byte[] bytes = files.ReadAllBytes(path);
        int newline = Array.LastIndexOf(bytes, (byte)'\n');
        if (newline < 0) return null;
        string hash = Encoding.ASCII.GetString(bytes, newline + 1, bytes.Length - newline - 1);
        if (hash != Convert.ToHexStringLower(SHA256.HashData(bytes.AsSpan(0, newline)))) return null;
        try { return JsonSerializer.Deserialize(bytes.AsSpan(0, newline), MarksJson.Default.MarksDocument); }
        catch (JsonException) { return null; }
    }

    public MarksDocument Current { get { lock (_gate) return _current; } }

    /// <summary>Makes sure seq <paramref name="seq"/> is covered before it is used: rewrites the file once per block.</summary>
    public void CoverEventSeq(long seq)
    {
        lock (_gate)
        {
            if (seq <= _current.EventSeqReserved) return;
            Save(_current with { EventSeqReserved = seq + SeqBlock - 1 });
        }
    }

    /// <summary>Records a model version and the active record (when they changed) before either is announced.</summary>
    public void RecordModels(int highestVersion, ModelVersionRecord? active)
    {
        lock (_gate)
        {
            int version = Math.Max(highestVersion, _current.ModelVersion);
            if (version == _current.ModelVersion && SameRecord(active, _current.Active) && _current.Format == StateFormat.Current) return;
            Save(_current with { ModelVersion = version, Active = active });
        }
    }

    static bool SameRecord(ModelVersionRecord? a, ModelVersionRecord? b) =>
        a?.Version == b?.Version && a?.Id == b?.Id && a?.Retired == b?.Retired;

    void Save(MarksDocument next)
    {
        next = next with { Format = StateFormat.Current };
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(next, MarksJson.Default.MarksDocument);
        byte[] hash = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(SHA256.HashData(json)));
        AtomicFile.Write(_files, _path, [.. json, (byte)'\n', .. hash]);
        _current = next;
    }
}
