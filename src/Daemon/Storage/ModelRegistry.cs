using System.Security.Cryptography;
using System.Text;
using LiteDB;
using SensorOdl.Daemon.Storage.Durability;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.FineTuning;
using SensorOdl.Learning.Models;

namespace SensorOdl.Daemon.Storage;

/// <summary>One model version: appended once, later only marked (active pointer, retired).</summary>
public sealed class ModelVersionRecord
{
    [BsonId] public int Version { get; set; }
    /// <summary>Content hash of the version's files (docs/CONTRACT.md §3 model id).</summary>
    public string Id { get; set; } = "";
    public int? ParentVersion { get; set; }
    public string Method { get; set; } = "base";
    public long CreatedAt { get; set; }
    public string BaseHash { get; set; } = "";
    public string BaseFile { get; set; } = "";
    public string? AdapterFile { get; set; }
    public string? AdapterHash { get; set; }
    public int TrainSamples { get; set; }
    /// <summary>
    /// The sample id of the first window the version was fitted on (null: a base, or a version from before this was kept,
    /// or one imported from an archive, whose windows are renumbered): a later job fits from there too (TrainingRun).
    /// </summary>
    public long? FitFromSample { get; set; }
    public Dictionary<string, double> Metrics { get; set; } = [];
    public string Reason { get; set; } = "";
    public string? Job { get; set; }
    public float Threshold { get; set; }
    public bool Retired { get; set; }

    internal BsonDocument ToDocument()
    {
        var metrics = new BsonDocument();
        foreach ((string name, double value) in Metrics) metrics[name] = value;
        return new BsonDocument().Set("_id", Version).Set(nameof(Id), Id).Set(nameof(ParentVersion), ParentVersion).Set(nameof(Method), Method)
            .Set(nameof(CreatedAt), CreatedAt).Set(nameof(BaseHash), BaseHash).Set(nameof(BaseFile), BaseFile).Set(nameof(AdapterFile), AdapterFile)
            .Set(nameof(AdapterHash), AdapterHash).Set(nameof(TrainSamples), TrainSamples).Set(nameof(FitFromSample), FitFromSample).Set(nameof(Metrics), metrics).Set(nameof(Reason), Reason)
            .Set(nameof(Job), Job).Set(nameof(Threshold), (double)Threshold).Set(nameof(Retired), Retired);
    }

    internal static ModelVersionRecord FromDocument(BsonDocument d) => new()
    {
        Version = d.Int32("_id"),
        Id = d.String(nameof(Id)) ?? "",
        ParentVersion = d.NullableInt32(nameof(ParentVersion)),
        Method = d.String(nameof(Method)) ?? "base",
        CreatedAt = d.Int64(nameof(CreatedAt)),
        BaseHash = d.String(nameof(BaseHash)) ?? "",
        BaseFile = d.String(nameof(BaseFile)) ?? "",
        AdapterFile = d.String(nameof(AdapterFile)),
        AdapterHash = d.String(nameof(AdapterHash)),
        TrainSamples = d.Int32(nameof(TrainSamples)),
        FitFromSample = d.NullableInt64(nameof(FitFromSample)),
        Metrics = d.TryGetValue(nameof(Metrics), out BsonValue metrics) && metrics.IsDocument
            ? metrics.AsDocument.ToDictionary(m => m.Key, m => m.Value.AsDouble)
            : [],
        Reason = d.String(nameof(Reason)) ?? "",
        Job = d.String(nameof(Job)),
        Threshold = (float)d.Double(nameof(Threshold)),
        Retired = d.Boolean(nameof(Retired)),
    };
}

sealed class RegistryPointer
{
    [BsonId] public string Name { get; set; } = "active";
    public int Version { get; set; }

    internal BsonDocument ToDocument() => new BsonDocument().Set("_id", Name).Set(nameof(Version), Version);

    internal static RegistryPointer FromDocument(BsonDocument d) => new() { Name = d.String("_id") ?? "", Version = d.Int32(nameof(Version)) };
}

/// <summary>
/// The model registry: weights are files in the state directory, written atomically (temp, fsync, rename, fsync of
/// the directory) and hashed; the LiteDB records name them; a version and the active pointer are synced — and the
/// high-water marks updated — before they are returned, so whatever is announced survives a power cut.
/// </summary>
public sealed class ModelRegistry
{
    public const string VersionsCollection = "models", PointersCollection = "registry", ModelsDirectoryName = "models";
    /// <summary>The counter a rebuilt state starts its version numbers from (StateRecovery).</summary>
    public const string VersionFloorCounter = "model_version";
    readonly StateDatabase _state;
    readonly int _keepVersions;
    readonly IStorageFiles _files;
    readonly string _modelsDirectory;

    public ModelRegistry(StateDatabase state, string stateDirectory, int keepVersions = 20)
    {
        _state = state;
        _keepVersions = keepVersions;
        _files = state.Files;
        _modelsDirectory = Path.Combine(stateDirectory, ModelsDirectoryName);
        UpdateMarks(); // a state of format 1 gets its marks here
    }

    void UpdateMarks() => _state.Marks.RecordModels(List().LastOrDefault()?.Version ?? 0, Active);

    public IReadOnlyList<ModelVersionRecord> List() =>
        [.. _state.Database.ModelVersions().FindAll().OrderBy(v => v.Version)];

    public ModelVersionRecord? Get(int version) => _state.Database.ModelVersions().FindById(version);

    public int? ActiveVersion => _state.Database.RegistryPointers().FindById("active")?.Version;

    public ModelVersionRecord? Active => ActiveVersion is int v ? Get(v) : null;

    const string PendingPointer = "pending";

    /// <summary>Confirm mode's candidate waiting for `promote` or `discard` (a version, not active), kept across restarts.</summary>
    public int? PendingVersion => _state.Database.RegistryPointers().FindById(PendingPointer)?.Version;

    /// <summary>Records (or, with null, clears) the pending candidate; synced before it returns.</summary>
    public void SetPending(int? version) => _state.Write(db =>
    {
        StoredCollection<RegistryPointer> pointers = db.RegistryPointers();
        if (version is int v) pointers.Upsert(new RegistryPointer { Name = PendingPointer, Version = v });
        else pointers.Delete(PendingPointer);
    }, durable: true);

    public ModelVersionRecord AddBase(AnomalyModel model, string reason, int trainSamples, Dictionary<string, double>? metrics = null, string? job = null)
    {
        string baseFile = WriteBaseFile(model);
        return Append(new ModelVersionRecord
        {
            Id = model.BaseHash,
            Method = "base",
            BaseHash = model.BaseHash,
            BaseFile = baseFile,
            TrainSamples = trainSamples,
            Metrics = metrics ?? [],
            Reason = reason,
            Job = job,
            Threshold = model.Threshold,
        }, activate: true);
    }

    /// <summary>
    /// A base model file received whole (the `deploy` command): its bytes are stored unchanged — so its hash stays the one
    /// it was sent and checked with, whatever form a later release writes — then added as <see cref="AddBase"/> does.
    /// </summary>
    public ModelVersionRecord AddBaseFile(ReadOnlySpan<byte> file, AnomalyModel model, string reason, string? job)
    {
        if (ModelFile.Hash(file) != model.BaseHash) throw new ArgumentException("The file is not the model's base file.", nameof(file));
        string path = Path.Combine(_modelsDirectory, BaseFileName(model.BaseHash));
        if (!_files.Exists(path) || ModelFile.Hash(_files.ReadAllBytes(path)) != model.BaseHash) AtomicFile.Write(_files, path, file);
        return AddBase(model, reason, model.Reference.Samples, job: job);
    }

    public ModelVersionRecord AddAdapted(AnomalyModel candidate, int parentVersion, string reason, int trainSamples,
        Dictionary<string, double>? metrics, string? job, bool activate, long? fitFromSample = null)
    {
        string baseFile = ExistingBaseFile(candidate.BaseHash);
        int version = NextVersion();
        string adapterFile = $"v{version}.sodla";
        string adapterHash = WriteModelFile(Path.Combine(_modelsDirectory, adapterFile), AnomalyModelDocuments.Version(candidate));
        return Append(new ModelVersionRecord
        {
            Version = version,
            Id = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(candidate.BaseHash + adapterHash))),
            ParentVersion = parentVersion,
            Method = candidate.Method,
            BaseHash = candidate.BaseHash,
            BaseFile = baseFile,
            AdapterFile = adapterFile,
            AdapterHash = adapterHash,
            TrainSamples = trainSamples,
            FitFromSample = fitFromSample,
            Metrics = metrics ?? [],
            Reason = reason,
            Job = job,
            Threshold = candidate.Threshold,
        }, activate);
    }

    /// <summary>Switches the active version (rollback); refuses unknown or retired versions.</summary>
    public ModelVersionRecord Activate(int version)
    {
        ModelVersionRecord record = Get(version) ?? throw new KeyNotFoundException($"There is no model version {version}.");
        if (record.Retired) throw new KeyNotFoundException($"Model version {version} was retired (Storage:KeepVersions) and its weights removed.");
        _state.Write(db => db.RegistryPointers().Upsert(new RegistryPointer { Version = version }), durable: true);
        UpdateMarks();
        return record;
    }

    /// <summary>Loads a version's model, verifying every file against the hash the registry recorded.</summary>
    public AnomalyModel Load(ModelVersionRecord record, FineTuneOptions options)
    {
        (ModelDocument baseDocument, string baseHash) = ReadModelFile(record.BaseFile);
        if (baseHash != record.BaseHash) throw new ModelFormatException($"model file {record.BaseFile} does not match the hash the registry recorded.");
        AnomalyModel baseModel = AnomalyModelDocuments.ReadBase(baseDocument, baseHash);
        if (record.AdapterFile is null) return baseModel;
        (ModelDocument adapters, string adapterHash) = ReadModelFile(record.AdapterFile);
        if (adapterHash != record.AdapterHash) throw new ModelFormatException($"model file {record.AdapterFile} does not match the hash the registry recorded.");
        return AnomalyModelDocuments.ReadVersion(baseModel, adapters, options);
    }

    /// <summary>Base hashes of versions still kept: their forward-cache entries stay useful.</summary>
    public IReadOnlySet<string> LiveBaseHashes() => List().Where(v => !v.Retired).Select(v => v.BaseHash).ToHashSet();

    static string BaseFileName(string baseHash) => $"base-{baseHash[..16]}.sodl";

    /// <summary>An adapted version names its base's file, which must be on disk as recorded: a candidate's own
    /// threshold and reference differ from its base's, so it cannot write that file again.</summary>
    string ExistingBaseFile(string baseHash)
    {
        string name = BaseFileName(baseHash);
        string path = Path.Combine(_modelsDirectory, name);
        if (!_files.Exists(path) || ModelFile.Hash(_files.ReadAllBytes(path)) != baseHash)
            throw new ModelFormatException($"the base model file {name} the adapters belong to is missing or damaged.");
        return name;
    }

    string WriteBaseFile(AnomalyModel model)
    {
        string name = BaseFileName(model.BaseHash);
        string path = Path.Combine(_modelsDirectory, name);
        if (!_files.Exists(path) || ModelFile.Hash(_files.ReadAllBytes(path)) != model.BaseHash)
        {
            string hash = WriteModelFile(path, AnomalyModelDocuments.Base(model));
            if (hash != model.BaseHash) throw new InvalidOperationException("The base model's bytes changed between hashing and writing.");
        }
        return name;
    }

    string WriteModelFile(string path, ModelDocument document)
    {
        byte[] bytes = ModelFile.Serialize(document);
        AtomicFile.Write(_files, path, bytes);
        return ModelFile.Hash(bytes);
    }

    (ModelDocument Document, string Hash) ReadModelFile(string name)
    {
        string path = Path.Combine(_modelsDirectory, name);
        byte[] bytes;
        try { bytes = _files.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException($"model file {path} cannot be read ({e.Message}).");
        }
        return (ModelFile.Deserialize(bytes, $"model file {path}"), ModelFile.Hash(bytes));
    }

    int NextVersion() => Math.Max((List().LastOrDefault()?.Version ?? 0) + 1,
        (int)(_state.Database.Counters().FindById(VersionFloorCounter)?.Next ?? 1));

    ModelVersionRecord Append(ModelVersionRecord record, bool activate)
    {
        if (record.Version == 0) record.Version = NextVersion();
        record.CreatedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        int? active = ActiveVersion;
        var retired = new List<ModelVersionRecord>();
        _state.Write(db =>
        {
            StoredCollection<ModelVersionRecord> versions = db.ModelVersions();
            versions.Insert(record);
            if (activate) db.RegistryPointers().Upsert(new RegistryPointer { Version = record.Version });
            int keepFrom = record.Version - _keepVersions;
            foreach (ModelVersionRecord old in versions.Find(BsonExpression.Create("$.Retired = false AND $._id <= @0", keepFrom)).ToList())
            {
                if (old.Version == (activate ? record.Version : active) || old.AdapterFile is null) continue; // active and bases stay
                old.Retired = true;
                versions.Update(old);
                retired.Add(old);
            }
        }, durable: true);
        UpdateMarks();
        foreach (ModelVersionRecord old in retired) TryDelete(Path.Combine(_modelsDirectory, old.AdapterFile!));
        return record;
    }

    // Not synced: a retired version's file that comes back after a power cut is only an orphan.
    void TryDelete(string path)
    {
        try { _files.Delete(path); }
        catch (IOException) { }
    }
}
