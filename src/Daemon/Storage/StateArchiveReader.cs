using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SensorOdl.Daemon.Storage;

/// <summary>What a verified state archive holds.</summary>
public sealed record StateArchiveContent(StateArchiveManifest Manifest, ArchivedRegistry Registry, ArchivedSample[] Labelled,
    ArchivedSample[]? Samples, ArchivedSeenCommand[] SeenCommands, IReadOnlyDictionary<string, byte[]> ModelFiles);

/// <summary>
/// Reads a state archive and believes nothing it has not checked: every entry against the SHA-256 the manifest
/// lists (and no entry the manifest does not list), every kept version's files against the hashes its record
/// holds, file names against the registry's own naming (no path leaves the models folder).
/// </summary>
public static partial class StateArchiveReader
{
    const long MaxEntryBytes = 1L << 30;

    public static StateArchiveContent Read(string archivePath)
    {
        if (!File.Exists(archivePath)) throw new StateArchiveException($"there is no archive {archivePath}.");
        Dictionary<string, byte[]> entries = ReadEntries(archivePath);
        if (!entries.Remove(StateArchiveManifest.EntryName, out byte[]? manifestBytes))
            throw new StateArchiveException($"{archivePath} is not a sensorodl state archive (it has no {StateArchiveManifest.EntryName}).");
        StateArchiveManifest manifest = Parse<StateArchiveManifest>(archivePath, StateArchiveManifest.EntryName, manifestBytes);
        if (manifest.ArchiveKind != StateArchiveManifest.Kind)
            throw new StateArchiveException($"{archivePath} is not a sensorodl state archive (kind '{manifest.ArchiveKind}').");
        if (manifest.Format > StateArchiveManifest.CurrentFormat)
            throw new StateArchiveException($"{archivePath} is of archive format {manifest.Format}, written by a newer release; this one reads format {StateArchiveManifest.CurrentFormat}.");
        foreach ((string name, byte[] bytes) in entries)
        {
            if (!manifest.Entries.TryGetValue(name, out string? hash)) throw Damaged(archivePath, $"it holds {name}, which the manifest does not list");
            if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != hash) throw Damaged(archivePath, $"{name} does not match its checksum");
        }
        string? missing = manifest.Entries.Keys.FirstOrDefault(name => !entries.ContainsKey(name));
        if (missing is not null) throw Damaged(archivePath, $"{missing} is missing");

        var registry = Parse<ArchivedRegistry>(archivePath, StateArchiveNames.Registry, Required(StateArchiveNames.Registry));
        var content = new StateArchiveContent(manifest, registry,
            Parse<ArchivedSample[]>(archivePath, StateArchiveNames.Labels, Required(StateArchiveNames.Labels)),
            entries.TryGetValue(StateArchiveNames.Samples, out byte[]? samples) ? Parse<ArchivedSample[]>(archivePath, StateArchiveNames.Samples, samples) : null,
            Parse<ArchivedSeenCommand[]>(archivePath, StateArchiveNames.SeenCommands, Required(StateArchiveNames.SeenCommands)),
            entries.Where(e => e.Key.StartsWith(StateArchiveNames.ModelsPrefix, StringComparison.Ordinal))
                .ToDictionary(e => e.Key[StateArchiveNames.ModelsPrefix.Length..], e => e.Value, StringComparer.Ordinal));
        CheckRegistry(archivePath, content);
        CheckWindows(archivePath, [.. content.Labelled.Concat(content.Samples ?? [])]);
        return content;

        byte[] Required(string name) => entries.TryGetValue(name, out byte[]? bytes) ? bytes : throw Damaged(archivePath, $"{name} is missing");
    }

    static Dictionary<string, byte[]> ReadEntries(string archivePath)
    {
        try
        {
            using ZipArchive zip = ZipFile.OpenRead(archivePath);
            var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (ZipArchiveEntry entry in zip.Entries)
            {
                if (entry.Length > MaxEntryBytes) throw Damaged(archivePath, $"{entry.FullName} claims {entry.Length} bytes");
                using Stream stream = entry.Open();
                var bytes = new MemoryStream((int)entry.Length);
                stream.CopyTo(bytes);
                if (bytes.Length != entry.Length || !entries.TryAdd(entry.FullName, bytes.ToArray()))
                    throw Damaged(archivePath, $"{entry.FullName} is cut short or listed twice");
            }
            return entries;
        }
        catch (InvalidDataException e)
        {
            throw Damaged(archivePath, $"it is not a readable zip file ({e.Message.TrimEnd('.')})");
        }
    }

    static void CheckRegistry(string archivePath, StateArchiveContent content)
    {
        ModelVersionRecord[] versions = content.Registry.Versions;
        if (versions.Select(v => v.Version).Distinct().Count() != versions.Length || versions.Any(v => v.Version < 1))
            throw Damaged(archivePath, "its registry repeats a version number or holds one below 1");
        int[] kept = [.. versions.Where(v => !v.Retired).Select(v => v.Version)];
        if (!kept.Order().SequenceEqual(content.Manifest.Versions.Order()))
            throw Damaged(archivePath, "the manifest's versions differ from the registry's");
        if (content.Registry.Active is int active && !kept.Contains(active))
            throw Damaged(archivePath, $"its active version {active} is not a kept version");
        foreach (ModelVersionRecord record in versions)
        {
            if (!BaseFileName().IsMatch(record.BaseFile) || (record.AdapterFile is not null && !AdapterFileName().IsMatch(record.AdapterFile)))
                throw Damaged(archivePath, $"version {record.Version} names a model file outside the registry's naming");
            if (record.Retired) continue;
            CheckFile(record.BaseFile, record.BaseHash, record.Version);
            if (record.AdapterFile is not null) CheckFile(record.AdapterFile, record.AdapterHash, record.Version);
        }

        void CheckFile(string name, string? hash, int version)
        {
            if (!content.ModelFiles.TryGetValue(name, out byte[]? bytes) || Convert.ToHexStringLower(SHA256.HashData(bytes)) != hash)
                throw Damaged(archivePath, $"the model file {name} of version {version} is missing or does not match its record");
        }
    }

    static void CheckWindows(string archivePath, ArchivedSample[] windows)
    {
        long[] ids = [.. windows.Where(w => w.Id is not null).Select(w => w.Id!.Value)];
        if (ids.Distinct().Count() != ids.Length || ids.Any(id => id < 1)) throw Damaged(archivePath, "its windows repeat a sample id or hold one below 1");
        foreach (ArchivedSample window in windows.Where(w => w.Probes is not null))
        {
            try { SampleProbeCodec.Decode(window.Probes, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(window.Features)); }
            catch (FormatException e) { throw Damaged(archivePath, $"the probes of the window of ts {window.Ts} do not decode ({e.Message.TrimEnd('.')})"); }
        }
    }

    static T Parse<T>(string archivePath, string name, byte[] bytes)
    {
        try { return JsonSerializer.Deserialize(bytes, StateArchiveJson.For<T>()) ?? throw new JsonException("null"); }
        catch (JsonException e) { throw Damaged(archivePath, $"{name} does not parse ({e.Message})"); }
    }

    static StateArchiveException Damaged(string archivePath, string what) =>
        new($"the archive {archivePath} is damaged: {what}; nothing was imported.");

    [GeneratedRegex(@"^base-[0-9a-f]{16}\.sodl$")]
    private static partial Regex BaseFileName();

    [GeneratedRegex(@"^v[0-9]{1,9}\.sodla$")]
    private static partial Regex AdapterFileName();
}
