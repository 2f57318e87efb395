using System.Security.Cryptography;
using System.Text;
using SensorOdl.Daemon.Storage;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.FineTuning;
using SensorOdl.Learning.Models;

namespace SensorOdl.Daemon.Tests;

/// <summary>The model registry (docs/CONTRACT.md §4): versions, parents, the active pointer, retirement, hash checks.</summary>
public sealed class ModelRegistryTests : IDisposable
{
    static readonly AnomalyModel BaseA = TinyModels.Base(seed: 1);
    static readonly AnomalyModel BaseB = TinyModels.Base(seed: 2);

    readonly string _dir = Directory.CreateTempSubdirectory("sensorodl-registry-").FullName;
    StateDatabase _state;

    public ModelRegistryTests() => _state = StateDatabase.Open(_dir);

    public void Dispose()
    {
        _state.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    string ModelPath(string file) => Path.Combine(_dir, "models", file);

    ModelRegistry Open(int keepVersions = 20) => new(_state, _dir, keepVersions);

    void Reopen()
    {
        _state.Dispose();
        _state = StateDatabase.Open(_dir);
    }

    [Fact]
    public void AddBase_numbers_versions_from_one_activates_them_and_names_the_file_by_the_hash()
    {
        ModelRegistry registry = Open();
        Assert.Null(registry.ActiveVersion);

        ModelVersionRecord first = registry.AddBase(BaseA, "first start", trainSamples: 40);
        ModelVersionRecord second = registry.AddBase(BaseB, "train", trainSamples: 41, new Dictionary<string, double> { ["threshold"] = 1.5 });

        Assert.Equal([1, 2], registry.List().Select(v => v.Version));
        Assert.Equal("base", first.Method);
        Assert.Null(first.ParentVersion);
        Assert.Null(second.ParentVersion);
        Assert.Equal(BaseA.BaseHash, first.Id);
        Assert.Equal(BaseA.BaseHash, first.BaseHash);
        Assert.Equal($"base-{BaseA.BaseHash[..16]}.sodl", first.BaseFile);
        Assert.Null(first.AdapterFile);
        Assert.Equal(ModelFile.Hash(File.ReadAllBytes(ModelPath(first.BaseFile))), first.Id);
        Assert.Equal(2, registry.ActiveVersion);
        Assert.Equal(41, registry.Get(2)!.TrainSamples);
        Assert.Equal(1.5, registry.Get(2)!.Metrics["threshold"]);
        Assert.Equal(BaseA.Threshold, registry.Get(1)!.Threshold);
    }

    [Fact]
    public void AddAdapted_records_its_parent_and_method_and_activates_only_when_asked()
    {
        ModelRegistry registry = Open();
        registry.AddBase(BaseA, "base", 40);
        AnomalyModel candidate = TinyModels.Adapted(BaseA, seed: 7);

        ModelVersionRecord held = registry.AddAdapted(candidate, parentVersion: 1, "drift: better", 30, null, "job-1", activate: false);
        Assert.Equal(2, held.Version);
        Assert.Equal(1, held.ParentVersion);
        Assert.Equal("lora-last", held.Method);
        Assert.Equal(BaseA.BaseHash, held.BaseHash);
        Assert.Equal("v2.sodla", held.AdapterFile);
        Assert.True(File.Exists(ModelPath("v2.sodla")));
        Assert.Equal(ModelFile.Hash(File.ReadAllBytes(ModelPath("v2.sodla"))), held.AdapterHash);
        // docs/CONTRACT.md §3: an adapted version's id is SHA-256 of the ASCII text baseHash + adapterFileHash.
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(BaseA.BaseHash + held.AdapterHash))), held.Id);
        Assert.Equal("job-1", held.Job);
        Assert.Equal(1, registry.ActiveVersion);

        ModelVersionRecord promoted = registry.AddAdapted(TinyModels.Adapted(BaseA, seed: 8), parentVersion: 2, "retrain", 30, null, "job-2", activate: true,
            fitFromSample: 417);
        Assert.Equal(3, promoted.Version);
        Assert.Equal(2, promoted.ParentVersion);
        Assert.Equal(3, registry.ActiveVersion);
        Assert.NotEqual(held.Id, promoted.Id);

        Reopen(); // where a version's fit began is kept with it, for the next job to fit from (TrainingRun)
        Assert.Equal(417, Open().Get(3)!.FitFromSample);
        Assert.Null(Open().Get(2)!.FitFromSample);
    }

    [Fact]
    public void AddAdapted_refuses_adapters_whose_base_file_is_gone_and_writes_nothing()
    {
        ModelRegistry registry = Open();
        ModelVersionRecord first = registry.AddBase(BaseA, "base", 40);
        File.Delete(ModelPath(first.BaseFile));

        ModelFormatException error = Assert.Throws<ModelFormatException>(() =>
            registry.AddAdapted(TinyModels.Adapted(BaseA, seed: 7), parentVersion: 1, "drift", 30, null, "job-1", activate: true));
        Assert.Contains(first.BaseFile, error.Message);
        Assert.Equal(1, registry.ActiveVersion);
        Assert.Single(registry.List());
        Assert.False(File.Exists(ModelPath(first.BaseFile)));
    }

    [Fact]
    public void Activate_switches_the_pointer_durably_and_refuses_unknown_and_retired_versions()
    {
        ModelRegistry registry = Open(keepVersions: 2);
        registry.AddBase(BaseA, "base", 40);
        for (int seed = 2; seed <= 4; seed++) registry.AddAdapted(TinyModels.Adapted(BaseA, seed), 1, "r", 30, null, null, activate: false);
        Assert.True(registry.Get(2)!.Retired);

        Assert.Throws<KeyNotFoundException>(() => registry.Activate(9));
        Assert.Throws<KeyNotFoundException>(() => registry.Activate(2));
        Assert.Equal(1, registry.ActiveVersion);

        Assert.Equal(3, registry.Activate(3).Version);
        Reopen();
        Assert.Equal(3, Open(keepVersions: 2).ActiveVersion);
    }

    [Fact]
    public void KeepVersions_retires_old_adapted_versions_and_deletes_their_adapters_but_keeps_bases_and_the_active_one()
    {
        ModelRegistry registry = Open(keepVersions: 2);
        registry.AddBase(BaseA, "base", 40);                                                              // v1
        registry.AddAdapted(TinyModels.Adapted(BaseA, 2), 1, "r", 30, null, null, activate: true);      // v2, active
        registry.AddAdapted(TinyModels.Adapted(BaseA, 3), 2, "r", 30, null, null, activate: false);     // v3
        registry.AddAdapted(TinyModels.Adapted(BaseA, 4), 2, "r", 30, null, null, activate: false);     // v4: retires ≤ 2
        Assert.False(registry.Get(1)!.Retired); // a base
        Assert.False(registry.Get(2)!.Retired); // the active one
        Assert.True(File.Exists(ModelPath("v2.sodla")));

        registry.AddAdapted(TinyModels.Adapted(BaseA, 5), 2, "r", 30, null, null, activate: false);     // v5: retires ≤ 3
        Assert.True(registry.Get(3)!.Retired);
        Assert.False(File.Exists(ModelPath("v3.sodla")));
        Assert.False(registry.Get(4)!.Retired);
        Assert.True(File.Exists(ModelPath("v4.sodla")));

        // Once the pointer moves on, the next addition retires the old active version too.
        registry.Activate(5);
        registry.AddAdapted(TinyModels.Adapted(BaseA, 6), 5, "r", 30, null, null, activate: false);     // v6: retires ≤ 4
        Assert.True(registry.Get(2)!.Retired);
        Assert.True(registry.Get(4)!.Retired);
        Assert.False(File.Exists(ModelPath("v2.sodla")));
        Assert.False(registry.Get(1)!.Retired);
        Assert.True(File.Exists(ModelPath(registry.Get(1)!.BaseFile)));
        Assert.Equal([1, 5, 6], registry.List().Where(v => !v.Retired).Select(v => v.Version));

        Reopen();
        Assert.Equal([2, 3, 4], Open(keepVersions: 2).List().Where(v => v.Retired).Select(v => v.Version));
    }

    [Fact]
    public void Load_returns_the_stored_base_and_adapted_models()
    {
        ModelRegistry registry = Open();
        ModelVersionRecord baseRecord = registry.AddBase(BaseA, "base", 40);
        AnomalyModel candidate = TinyModels.Adapted(BaseA, seed: 3);
        ModelVersionRecord adapted = registry.AddAdapted(candidate, 1, "r", 30, null, null, activate: true);

        AnomalyModel loadedBase = registry.Load(baseRecord, new FineTuneOptions());
        AnomalyModel loadedAdapted = registry.Load(adapted, new FineTuneOptions());

        Assert.Equal(TinyModels.Fingerprint(BaseA), TinyModels.Fingerprint(loadedBase));
        Assert.Equal(BaseA.Threshold, loadedBase.Threshold);
        Assert.Equal("lora-last", loadedAdapted.Method);
        Assert.Equal(candidate.Threshold, loadedAdapted.Threshold);
        Assert.Equal(TinyModels.Fingerprint(candidate), TinyModels.Fingerprint(loadedAdapted));
        Assert.NotEqual(TinyModels.Fingerprint(loadedBase), TinyModels.Fingerprint(loadedAdapted));
    }

    [Fact]
    public void Load_refuses_a_base_file_replaced_by_another_valid_model_file()
    {
        ModelRegistry registry = Open();
        ModelVersionRecord record = registry.AddBase(BaseA, "base", 40);
        // A well-formed file (its own checksum is right) that is not the one the registry recorded.
        ModelFile.Write(ModelPath(record.BaseFile), AnomalyModelDocuments.Base(BaseB));

        var error = Assert.Throws<ModelFormatException>(() => registry.Load(record, new FineTuneOptions()));
        Assert.Contains(record.BaseFile, error.Message);
    }

    [Fact]
    public void Load_refuses_an_adapter_file_replaced_by_another_valid_adapter_file()
    {
        ModelRegistry registry = Open();
        registry.AddBase(BaseA, "base", 40);
        ModelVersionRecord record = registry.AddAdapted(TinyModels.Adapted(BaseA, 3), 1, "r", 30, null, null, activate: true);
        ModelFile.Write(ModelPath(record.AdapterFile!), AnomalyModelDocuments.Version(TinyModels.Adapted(BaseA, 4)));

        var error = Assert.Throws<ModelFormatException>(() => registry.Load(record, new FineTuneOptions()));
        Assert.Contains(record.AdapterFile!, error.Message);
    }

    [Fact]
    public void Load_refuses_a_file_with_a_flipped_byte()
    {
        ModelRegistry registry = Open();
        registry.AddBase(BaseA, "base", 40);
        ModelVersionRecord record = registry.AddAdapted(TinyModels.Adapted(BaseA, 3), 1, "r", 30, null, null, activate: true);
        string path = ModelPath(record.AdapterFile!);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(path, bytes);

        Assert.Throws<ModelFormatException>(() => registry.Load(record, new FineTuneOptions()));
    }

    [Fact]
    public void LiveBaseHashes_are_the_bases_of_every_version_kept()
    {
        ModelRegistry registry = Open(keepVersions: 2);
        registry.AddBase(BaseA, "base", 40);                                                             // v1
        registry.AddBase(BaseB, "train", 40);                                                            // v2
        for (int seed = 3; seed <= 6; seed++)                                                            // v3..v6 on B; v3, v4 retire
            registry.AddAdapted(TinyModels.Adapted(BaseB, seed), 2, "r", 30, null, null, activate: true);
        Assert.True(registry.Get(3)!.Retired);

        // Version 1 is neither active nor adapted on: its base stays live (bases are never retired).
        Assert.Equal(new HashSet<string> { BaseA.BaseHash, BaseB.BaseHash }, registry.LiveBaseHashes());
        Assert.Equal(BaseB.BaseHash, registry.Active!.BaseHash);
    }
}
