using System.IO.Compression;
using System.Security.Cryptography;
using LiteDB;
using SensorOdl.Daemon.Storage.Durability;

namespace SensorOdl.Daemon.Storage;

/// <summary>
/// <c>sensorodl state export</c>: one zip file with the learned state of a state directory — every model version
/// record, the files of every kept version, the active pointer, the labelled windows, the seen command ids, the
/// high-water marks and, when asked, the unlabelled windows of the sample store — taken from a consistent copy
/// (<see cref="StateArchiveSnapshot"/>), so a running daemon is neither stopped nor locked out.
/// </summary>
public static class StateArchiveExport
{
    const int Attempts = 10;

    public static StateArchiveManifest Export(string stateDirectory, string archivePath, string deviceId, bool withSamples, TimeProvider? time = null)
    {
        if (!File.Exists(Path.Combine(stateDirectory, StateDatabase.FileName)))
            throw new StateArchiveException($"there is no state in {stateDirectory} (set --Storage:StateDir or run the daemon first).");
        long now = (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds();
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            DirectoryInfo copy = Directory.CreateTempSubdirectory("sensorodl-export-");
            try
            {
                StateArchiveSnapshot.Copy(stateDirectory, copy.FullName);
                Dictionary<string, byte[]> entries = ReadCopy(copy.FullName, stateDirectory, withSamples, out StateArchiveManifest manifest, out ModelVersionRecord[] versions);
                if (!AddModelFiles(stateDirectory, entries, versions, manifest.ActiveVersion)) continue;
                entries[StateArchiveNames.Registry] = Serialize(new ArchivedRegistry(manifest.ActiveVersion, versions));
                manifest = manifest with
                {
                    DeviceId = deviceId,
                    CreatedAt = now,
                    Versions = [.. versions.Where(v => !v.Retired).Select(v => v.Version)],
                    Entries = new(entries.ToDictionary(e => e.Key, e => Convert.ToHexStringLower(SHA256.HashData(e.Value))), StringComparer.Ordinal),
                };
                AtomicFile.Write(DiskFiles.Instance, archivePath, Zip(manifest, entries));
                return manifest;
            }
            finally
            {
                copy.Delete(recursive: true);
            }
        }
        throw new IOException($"the model files in {stateDirectory} kept changing during {Attempts} attempts to export them; try again.");
    }

    static Dictionary<string, byte[]> ReadCopy(string copy, string source, bool withSamples, out StateArchiveManifest manifest, out ModelVersionRecord[] versions)
    {
        using StateDatabase state = StateDatabase.Open(copy);
        if (state.Recovery is { } recovery)
            throw new StateArchiveException($"the state database in {source} cannot be read ({recovery.Error}); nothing was exported.");
        LiteDatabase db = state.Database;
        var registry = new ModelRegistry(state, copy);
        versions = [.. registry.List()];
        ArchivedSample[] labelled = [.. SampleDocuments.Windows(db, labelled: true).Select(ArchivedSample.From)];
        ArchivedSample[]? unlabelled = withSamples ? [.. SampleDocuments.Windows(db, labelled: false).Select(ArchivedSample.From)] : null;
        ArchivedSeenCommand[] seen = [.. db.SeenCommandIds().FindAll()
            .OrderBy(c => c.Ts).Select(c => new ArchivedSeenCommand(c.Id, c.Ts))];
        StoredCollection<Counter> counters = db.Counters();
        StoredCollection<EventRecord> events = db.Events();
        long eventSeq = Math.Max(state.Marks.Current.EventSeqReserved, Math.Max(
            events.Count() == 0 ? 0 : events.Documents.Max().AsInt64,
            (counters.FindById(EventLog.SeqFloorCounter)?.Next ?? 1) - 1));
        int modelVersion = (int)Math.Max(state.Marks.Current.ModelVersion, Math.Max(
            versions.LastOrDefault()?.Version ?? 0,
            (counters.FindById(ModelRegistry.VersionFloorCounter)?.Next ?? 1) - 1));
        manifest = new StateArchiveManifest
        {
            ActiveVersion = registry.ActiveVersion,
            EventSeq = eventSeq,
            ModelVersion = modelVersion,
            LabelledWindows = labelled.Length,
            SeenCommandIds = seen.Length,
            Samples = unlabelled?.Length,
        };
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [StateArchiveNames.Labels] = Serialize(labelled),
            [StateArchiveNames.SeenCommands] = Serialize(seen),
        };
        if (unlabelled is not null) entries[StateArchiveNames.Samples] = Serialize(unlabelled);
        return entries;
    }

    /// <summary>
    /// Adds the files of the kept versions, each verified against the hash its record holds. The registry deletes an
    /// adapter file only after it marked its version retired, so a kept version whose adapter file is gone was retired
    /// after the copy was taken: it is archived as retired. False when a base or the active version's file is gone
    /// (the copy is taken again).
    /// </summary>
    static bool AddModelFiles(string stateDirectory, Dictionary<string, byte[]> entries, ModelVersionRecord[] versions, int? active)
    {
        string models = Path.Combine(stateDirectory, ModelRegistry.ModelsDirectoryName);
        foreach (ModelVersionRecord record in versions.Where(v => !v.Retired))
        {
            if (!TryAdd(record.BaseFile, record.BaseHash, record.Version)) return false;
            if (record.AdapterFile is null || TryAdd(record.AdapterFile, record.AdapterHash, record.Version)) continue;
            if (record.Version == active) return false;
            record.Retired = true;
        }
        return true;

        bool TryAdd(string name, string? hash, int version)
        {
            byte[] bytes;
            try { bytes = File.ReadAllBytes(Path.Combine(models, name)); }
            catch (FileNotFoundException) { return false; }
            if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != hash)
                throw new StateArchiveException($"the model file {name} of version {version} in {stateDirectory} does not match the hash its record holds; nothing was exported.");
            entries[StateArchiveNames.ModelsPrefix + name] = bytes;
            return true;
        }
    }

    static byte[] Serialize<T>(T value) => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(value, StateArchiveJson.For<T>());

    static byte[] Zip(StateArchiveManifest manifest, Dictionary<string, byte[]> entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(StateArchiveManifest.EntryName, Serialize(manifest));
            foreach ((string name, byte[] bytes) in entries.OrderBy(e => e.Key, StringComparer.Ordinal)) Add(name, bytes);

            void Add(string name, byte[] bytes)
            {
                using Stream entry = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
                entry.Write(bytes);
            }
        }
        return buffer.ToArray();
    }
}
