using System.Security.Cryptography;
using LiteDB;
using SensorOdl.Daemon.Storage.Durability;
using SensorOdl.Learning.FineTuning;
using SensorOdl.Learning.Models;

namespace SensorOdl.Daemon.Storage;

/// <summary>What an import did.</summary>
public sealed record StateArchiveImportResult(int? ActiveVersion, int VersionShift, int Versions, int LabelledWindows, int SeenCommandIds,
    int Samples, long EventSeqFrom, int ModelVersionFrom);

/// <summary>
/// <c>sensorodl state import</c>: restores a verified archive into a state directory no process holds (it takes the
/// directory's lock like the daemon). Model files are written first (atomically) and the active version is loaded
/// from them before the database learns of anything; then one durable transaction adds the records, the pointer,
/// the windows and the seen ids, and raises the event-seq and model-version floors past the archive's marks, so
/// the daemon continues numbering after both the archive's and the directory's own history. Versions keep their
/// numbers unless the directory already used some of them; then all are shifted past its highest.
/// </summary>
public static class StateArchiveImport
{
    public static StateArchiveImportResult Import(StateArchiveContent archive, string stateDirectory, int keepVersions, bool replace)
    {
        using StateDatabase state = OpenTarget(stateDirectory);
        LiteDatabase db = state.Database;
        var registry = new ModelRegistry(state, stateDirectory, keepVersions);
        IReadOnlyList<ModelVersionRecord> existing = registry.List();
        int existingLabels = SampleDocuments.CountLabelled(db);
        if ((existing.Count > 0 || existingLabels > 0) && !replace)
            throw new StateArchiveException($"{stateDirectory} already holds learned state ({existing.Count} model versions, {existingLabels} labelled windows); --force replaces it.");

        StoredCollection<Counter> counters = db.Counters();
        int used = (int)Math.Max(state.Marks.Current.ModelVersion, Math.Max(existing.LastOrDefault()?.Version ?? 0,
            (counters.FindById(ModelRegistry.VersionFloorCounter)?.Next ?? 1) - 1));
        ModelVersionRecord[] incoming = archive.Registry.Versions;
        int shift = incoming.Length > 0 && incoming.Min(v => v.Version) <= used ? used - incoming.Min(v => v.Version) + 1 : 0;
        ModelVersionRecord[] records = [.. incoming.OrderBy(v => v.Version).Select(v => Renumbered(v, shift))];
        ModelVersionRecord? active = archive.Registry.Active is int a ? records.Single(r => r.Version == a + shift) : null;

        WriteModelFiles(state.Files, Path.Combine(stateDirectory, ModelRegistry.ModelsDirectoryName), archive, records, shift);
        if (active is not null)
        {
            try { registry.Load(active, new FineTuneOptions()); }
            catch (ModelFormatException e) { throw new StateArchiveException($"the archive's active version {active.Version - shift} does not load ({e.Message}); nothing was imported."); }
        }

        long seqFrom = Math.Max(archive.Manifest.EventSeq + 1, counters.FindById(EventLog.SeqFloorCounter)?.Next ?? 1);
        int versionFrom = Math.Max(Math.Max(used, archive.Manifest.ModelVersion + shift), records.LastOrDefault()?.Version ?? 0) + 1;
        state.Marks.CoverEventSeq(seqFrom - 1); // numbers are reserved before anything that uses them is written
        int samplesAdded = 0;
        state.Write(write =>
        {
            StoredCollection<ModelVersionRecord> versions = write.ModelVersions();
            StoredCollection<RegistryPointer> pointers = write.RegistryPointers();
            ILiteCollection<BsonDocument> windows = SampleDocuments.Collection(write);
            StoredCollection<Counter> floors = write.Counters();
            if (replace)
            {
                versions.DeleteAll();
                pointers.DeleteAll();
                write.GetCollection(AdaptationLoopStore.CollectionName).DeleteAll(); // its episode, refine and probation name versions no longer there
                windows.DeleteMany(SampleDocuments.Labelled);
                if (archive.Samples is not null)
                {
                    windows.DeleteAll();
                    write.GetCollection(SampleStore.ProbesCollection).DeleteAll(); // probes of windows no longer there
                }
            }
            versions.InsertBulk(records);
            if (active is not null) pointers.Upsert(new RegistryPointer { Version = active.Version });
            long nextSample = floors.FindById(StateArchiveNames.SampleCounter)?.Next ?? 1;
            foreach (StoredWindow window in Renumbered([.. archive.Labelled.Concat(archive.Samples ?? [])], nextSample))
            {
                windows.Insert(SampleDocuments.ToDocument(window));
                nextSample = Math.Max(nextSample, window.Id + 1);
                samplesAdded++;
            }
            floors.Upsert(new Counter { Name = StateArchiveNames.SampleCounter, Next = nextSample });
            StoredCollection<SeenCommand> seen = write.SeenCommandIds();
            foreach (ArchivedSeenCommand command in archive.SeenCommands)
                if (seen.FindById(command.Id) is not { } known || known.Ts < command.Ts) seen.Upsert(new SeenCommand { Id = command.Id, Ts = command.Ts });
            floors.Upsert(new Counter { Name = EventLog.SeqFloorCounter, Next = seqFrom });
            floors.Upsert(new Counter { Name = ModelRegistry.VersionFloorCounter, Next = versionFrom });
        }, durable: true);
        state.Marks.RecordModels(versionFrom - 1, active);
        if (replace) DeleteReplacedAdapters(state.Files, stateDirectory, existing, records);
        return new StateArchiveImportResult(active?.Version, shift, records.Length, archive.Labelled.Length, archive.SeenCommands.Length,
            archive.Samples?.Length ?? 0, seqFrom, versionFrom);
    }

    static StateDatabase OpenTarget(string stateDirectory)
    {
        try { return StateDatabase.Open(stateDirectory); }
        catch (StateBusyException)
        {
            throw new StateBusyException($"the state directory {Path.GetFullPath(stateDirectory)} is in use by another sensorodl process (is the daemon running?); stop it before importing. Nothing was imported.");
        }
    }

    /// <summary>
    /// The archived windows with the ids they get here: their own, in their order, unless the target used some of them
    /// (ids are never reused: the forward cache keys entries by sample id); then all are shifted past <paramref name="next"/>,
    /// the target's next id. Windows of an archive without ids (an earlier build's) are numbered from it in archive order.
    /// </summary>
    static IEnumerable<StoredWindow> Renumbered(ArchivedSample[] windows, long next)
    {
        if (windows.Length == 0 || windows.Any(w => w.Id is null))
            return windows.Select((w, i) => new StoredWindow(next + i, w.Ts, w.Label, w.Features, w.Probes));
        long first = windows.Min(w => w.Id!.Value);
        long shift = first < next ? next - first : 0;
        return windows.OrderBy(w => w.Id).Select(w => new StoredWindow(w.Id!.Value + shift, w.Ts, w.Label, w.Features, w.Probes));
    }

    static ModelVersionRecord Renumbered(ModelVersionRecord v, int shift) => new()
    {
        Version = v.Version + shift,
        Id = v.Id,
        ParentVersion = v.ParentVersion + shift,
        Method = v.Method,
        CreatedAt = v.CreatedAt,
        BaseHash = v.BaseHash,
        BaseFile = v.BaseFile,
        AdapterFile = v.AdapterFile is null ? null : $"v{v.Version + shift}.sodla",
        AdapterHash = v.AdapterHash,
        TrainSamples = v.TrainSamples,
        FitFromSample = null, // the archive's windows are renumbered here, or not in it: a later job fits its episode alone
        Metrics = new(v.Metrics),
        Reason = v.Reason,
        Job = v.Job,
        Threshold = v.Threshold,
        Retired = v.Retired,
    };

    static void WriteModelFiles(IStorageFiles files, string models, StateArchiveContent archive, ModelVersionRecord[] records, int shift)
    {
        foreach (ModelVersionRecord record in records.Where(r => !r.Retired))
        {
            ModelVersionRecord original = archive.Registry.Versions.Single(v => v.Version == record.Version - shift);
            Write(record.BaseFile, archive.ModelFiles[original.BaseFile]);
            if (record.AdapterFile is not null) Write(record.AdapterFile, archive.ModelFiles[original.AdapterFile!]);
        }

        void Write(string name, byte[] bytes)
        {
            string path = Path.Combine(models, name);
            if (files.Exists(path) && SHA256.HashData(files.ReadAllBytes(path)).AsSpan().SequenceEqual(SHA256.HashData(bytes))) return;
            AtomicFile.Write(files, path, bytes);
        }
    }

    // Not synced, as the registry retires files: an adapter file of a replaced version that comes back is only an orphan.
    static void DeleteReplacedAdapters(IStorageFiles files, string stateDirectory, IReadOnlyList<ModelVersionRecord> replaced, ModelVersionRecord[] imported)
    {
        HashSet<string> keep = [.. imported.Where(r => r.AdapterFile is not null).Select(r => r.AdapterFile!)];
        foreach (ModelVersionRecord old in replaced)
            if (old.AdapterFile is not null && !keep.Contains(old.AdapterFile))
            {
                try { files.Delete(Path.Combine(stateDirectory, ModelRegistry.ModelsDirectoryName, old.AdapterFile)); }
                catch (IOException) { }
            }
    }
}
