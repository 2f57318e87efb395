using System.Security.Cryptography;

namespace SensorOdl.Daemon.Host;

/// <summary>
/// The secret files the daemon was started with, grouped by what they feed (<c>mqttPassword</c>, <c>mqttTls</c>,
/// <c>commandKey</c>), and whether one changed: a cheap stat (modification time and size) on every poll, the contents'
/// SHA-256 compared only when the stat moved or on request (SIGHUP), so that touching a file reloads nothing and an edit
/// that keeps time and size is still found on SIGHUP. The digests stay in memory; nothing of a secret is logged.
/// </summary>
public sealed class SecretFiles
{
    readonly Dictionary<string, string[]> _groups = [];
    readonly Dictionary<string, (DateTime Modified, long Length)> _stats = [];
    readonly Dictionary<string, byte[]> _digests = [];

    /// <summary>Adds a group of files (null or empty paths are skipped) and takes their current state as the baseline.</summary>
    public SecretFiles Add(string group, params string?[] files)
    {
        string[] present = [.. files.Where(f => !string.IsNullOrEmpty(f)).Select(f => f!)];
        if (present.Length == 0) return this;
        _groups[group] = present;
        foreach (string file in present)
        {
            _stats[file] = Stat(file);
            _digests[file] = Digest(file) ?? [];
        }
        return this;
    }

    public bool Any => _groups.Count > 0;

    /// <summary>The groups whose contents changed since the last call; <paramref name="readAll"/> compares contents even when the stat did not move.</summary>
    public IReadOnlyList<string> Changed(bool readAll)
    {
        var changed = new List<string>();
        foreach ((string group, string[] files) in _groups)
        {
            bool any = false;
            foreach (string file in files)
            {
                (DateTime, long) stat = Stat(file);
                if (!readAll && stat == _stats[file]) continue;
                _stats[file] = stat;
                // A file being replaced (missing for a moment) is not a change: the next poll sees the new one.
                if (Digest(file) is not { } digest || digest.AsSpan().SequenceEqual(_digests[file])) continue;
                _digests[file] = digest;
                any = true;
            }
            if (any) changed.Add(group);
        }
        return changed;
    }

    static (DateTime, long) Stat(string file)
    {
        var info = new FileInfo(file);
        return info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1);
    }

    static byte[]? Digest(string file)
    {
        try { return SHA256.HashData(File.ReadAllBytes(file)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
