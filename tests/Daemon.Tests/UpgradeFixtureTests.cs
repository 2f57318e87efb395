using SensorOdl.Drivers.Features;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Host;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.FineTuning;
using SensorOdl.Learning.Models;
using SensorOdl.Learning.Training;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// "Upgrades start here": the state directory and model files that the code of commit 2f41aa0 wrote
/// (tests/Fixtures/v1, see its README) must open with today's code and mean the same thing. Never regenerate v1:
/// a new stored format adds v2 fixtures and a migration, and these tests keep passing. Every test works on a
/// temporary copy, because LiteDB writes to the file it opens.
/// </summary>
public sealed class UpgradeFixtureTests : IDisposable
{
    static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "v1");
    const string BaseHash = "6f8a850a464bd6b57d7ab7911daf9dcd8de7b924ac372851e934fec78556a6f3";
    const string EventTopic = "sensorodl/fixture-device/events";
    const int SampleCapacity = 160;

    /// <summary>The v1 files, byte for byte. A changed hash means someone rewrote v1: add v2 instead.</summary>
    static readonly Dictionary<string, string> V1Files = new()
    {
        ["expected.json"] = "2368a639e611252ed676e9b5c930d2cca15a489440760bed8728791bb5573fcd",
        ["model-files/cwru-base.sodl"] = "d6adc2967df50922e1a5f88b16b1b04fc326e38d259c9f0b25285d9cd2e88fd9",
        ["model-files/cwru-v2.sodla"] = "69c9a65b510b5923e19c0e117f70ce7168e25761a76b694925f003481ee090e4",
        ["state-dir/models/base-6f8a850a464bd6b5.sodl"] = BaseHash,
        ["state-dir/models/v2.sodla"] = "52a404e9e7e7783c17ac266caf089b8ce4051b9f151a3dcfd3656c002d8771d4",
        ["state-dir/models/v3.sodla"] = "a8cc732b7e9eef507f120cba6349a75176d23aed6ed792764642a3929d75d233",
        ["state-dir/sensorodl.db"] = "a9a756f27b7f8f1d1b99a8f645114e8941c33d7c946dd994d82af5b80b2328db",
    };

    static readonly JsonObject Expected = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(Fixture, "expected.json")))!;
    static JsonObject State => Expected["stateDir"]!.AsObject();
    static JsonObject Files => Expected["modelFiles"]!.AsObject();

    readonly string _state = Directory.CreateTempSubdirectory("sensorodl-v1-state-").FullName;

    public UpgradeFixtureTests()
    {
        string source = Path.Combine(Fixture, "state-dir");
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(_state, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);

    [Fact]
    public void The_fixture_is_exactly_the_v1_files_and_needs_no_lock_file()
    {
        string[] present = [.. Directory.EnumerateFiles(Fixture, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Fixture, f).Replace('\\', '/')).Order(StringComparer.Ordinal)];
        Assert.Equal(V1Files.Keys.Order(StringComparer.Ordinal), present); // no sensorodl.lock, no LiteDB -log file
        foreach ((string file, string hash) in V1Files)
            Assert.True(hash == Sha256(Path.Combine(Fixture, file)), $"{file} is not the v1 file: v1 is never regenerated (tests/Fixtures/v1/README.md)");
        Assert.Equal("2f41aa0", Expected["writtenBy"]!.GetValue<string>());
    }

    [Fact]
    public void The_registry_lists_every_version_with_its_method_and_parent_and_version_2_is_active()
    {
        using StateDatabase state = StateDatabase.Open(_state);
        var registry = new ModelRegistry(state, _state);
        IReadOnlyList<ModelVersionRecord> versions = registry.List();

        Assert.Equal([1, 2, 3], versions.Select(v => v.Version));
        Assert.Equal(["base", "skip2-lora-q4", "skip2-lora-q4"], versions.Select(v => v.Method));
        Assert.Equal([null, 1, 2], versions.Select(v => v.ParentVersion));
        Assert.Equal([null, "v2.sodla", "v3.sodla"], versions.Select(v => v.AdapterFile));
        Assert.All(versions, v => Assert.Equal(BaseHash, v.BaseHash));
        Assert.All(versions, v => Assert.Equal("base-6f8a850a464bd6b5.sodl", v.BaseFile));
        Assert.All(versions, v => Assert.False(v.Retired));
        Assert.Equal(BaseHash, versions[0].Id); // a base version's id is its file's hash
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(BaseHash + versions[1].AdapterHash))), versions[1].Id);
        Assert.All(versions, v => Assert.InRange(v.CreatedAt, 1_700_000_000_000, 4_000_000_000_000)); // Unix ms
        Assert.True(versions[0].CreatedAt <= versions[1].CreatedAt && versions[1].CreatedAt <= versions[2].CreatedAt);

        JsonArray expected = State["versions"]!.AsArray();
        Assert.Equal(expected.Count, versions.Count);
        for (int i = 0; i < versions.Count; i++)
        {
            JsonNode e = expected[i]!;
            ModelVersionRecord v = versions[i];
            Assert.Equal(e["id"]!.GetValue<string>(), v.Id);
            Assert.Equal(e["adapterHash"]?.GetValue<string>(), v.AdapterHash);
            Assert.Equal(e["trainSamples"]!.GetValue<int>(), v.TrainSamples);
            Assert.Equal(e["threshold"]!.GetValue<float>(), v.Threshold);
            Assert.Equal(e["reason"]!.GetValue<string>(), v.Reason);
            Assert.Equal(e["job"]?.GetValue<string>(), v.Job);
            Assert.Equal(e["metrics"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<double>()), v.Metrics);
        }
        Assert.StartsWith("drift: ", versions[1].Reason);
        Assert.StartsWith("retrain command: ", versions[2].Reason);

        Assert.Equal(2, registry.ActiveVersion);
        Assert.Equal(2, registry.Active?.Version);
        Assert.Equal([BaseHash], registry.LiveBaseHashes());
    }

    [Fact]
    public void The_active_version_loads_verified_and_scores_windows_as_it_did_when_written()
    {
        using StateDatabase state = StateDatabase.Open(_state);
        var registry = new ModelRegistry(state, _state);
        ModelVersionRecord activeRecord = registry.Active!;
        AnomalyModel active = registry.Load(activeRecord, new FineTuneOptions());
        Assert.Equal("skip2-lora-q4", active.Method);
        Assert.Equal(BaseHash, active.BaseHash);
        Assert.Equal(activeRecord.Threshold, active.Threshold);
        Assert.Equal(21, active.InputSize);

        JsonArray windows = State["windows"]!.AsArray();
        Assert.Equal(2, windows.Count);
        foreach (JsonNode? window in windows)
        {
            float[] features = Floats(window!["features"]);
            JsonObject scores = window["scores"]!.AsObject();
            Assert.Equal(3, scores.Count);
            AssertClose(scores["v2"]!.GetValue<float>(), active.Score(features));
            foreach (ModelVersionRecord v in registry.List())
                AssertClose(scores[$"v{v.Version}"]!.GetValue<float>(), registry.Load(v, new FineTuneOptions()).Score(features));
        }
        // The adapters are applied: the fault window scores lower under version 2 than under the bare base, and stays flagged.
        float[] fault = Floats(windows[0]!["features"]);
        Assert.True(active.Score(fault) < registry.Load(registry.Get(1)!, new FineTuneOptions()).Score(fault));
        Assert.True(active.Score(fault) > active.Threshold);

        // The daemon's own start-up choice: the registry's active version, and its features fit the simulated sensor.
        var settings = new DaemonSettings();
        using ISensor sensor = SensorFactory.Create(settings.Sensor);
        (AnomalyModel selected, ModelVersionRecord record) = ModelSelection.Select(settings, registry, new FeatureTransform(sensor.Format), _ => { });
        Assert.Equal(2, record.Version);
        Assert.Equal("skip2-lora-q4", selected.Method);
    }

    [Fact]
    public void Loading_checks_every_file_against_the_hash_the_registry_recorded()
    {
        // Version 3's adapters are a well-formed file, but not the one version 2 recorded.
        File.Copy(Path.Combine(_state, "models", "v3.sodla"), Path.Combine(_state, "models", "v2.sodla"), overwrite: true);
        using StateDatabase state = StateDatabase.Open(_state);
        var registry = new ModelRegistry(state, _state);
        ModelFormatException e = Assert.Throws<ModelFormatException>(() => registry.Load(registry.Get(2)!, new FineTuneOptions()));
        Assert.Contains("v2.sodla", e.Message);
        Assert.Equal("skip2-lora-q4", registry.Load(registry.Get(3)!, new FineTuneOptions()).Method);
    }

    [Fact]
    public void Every_kept_version_can_be_rolled_back_to_and_the_switch_survives_a_reopen()
    {
        using (StateDatabase state = StateDatabase.Open(_state))
        {
            var registry = new ModelRegistry(state, _state);
            Assert.Equal(1, registry.Activate(1).Version);
            Assert.Equal("base", registry.Load(registry.Active!, new FineTuneOptions()).Method);
            Assert.Equal(3, registry.Activate(3).Version);
            Assert.Throws<KeyNotFoundException>(() => registry.Activate(4));
        }
        using (StateDatabase reopened = StateDatabase.Open(_state))
            Assert.Equal(3, new ModelRegistry(reopened, _state).ActiveVersion);
    }

    [Fact]
    public void The_standalone_base_and_adapter_files_read_and_score_as_they_did()
    {
        string directory = Path.Combine(Fixture, "model-files");
        JsonObject expectedBase = Files["base"]!.AsObject(), expectedAdapters = Files["adapters"]!.AsObject();

        (ModelDocument baseDocument, string baseHash) = ModelFile.Read(Path.Combine(directory, "cwru-base.sodl"));
        Assert.Equal(V1Files["model-files/cwru-base.sodl"], baseHash);
        Assert.Equal(ModelKind.Base, baseDocument.Kind);
        Assert.Equal(7, baseDocument.Layers.Count);
        Assert.Equal(expectedBase["tensors"]!.AsArray().Select(t => t!.GetValue<string>()), baseDocument.Tensors.Select(t => t.Name));
        Assert.Equal(expectedBase["metadata"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>()),
            baseDocument.Metadata.ToDictionary());
        AnomalyModel baseModel = AnomalyModelDocuments.ReadBase(baseDocument, baseHash);
        Assert.Equal(ModelHead.AutoencoderKind, baseModel.Head.Kind);
        Assert.Equal(21, baseModel.InputSize);
        Assert.Equal(119, baseModel.ExemplarCount);
        Assert.Equal(expectedBase["threshold"]!.GetValue<float>(), baseModel.Threshold);
        Assert.Equal(expectedBase["featureConfig"]!.GetValue<string>(), baseModel.FeatureConfig);

        (ModelDocument adapterDocument, string adapterHash) = ModelFile.Read(Path.Combine(directory, "cwru-v2.sodla"));
        Assert.Equal(V1Files["model-files/cwru-v2.sodla"], adapterHash);
        Assert.Equal(ModelKind.Adapters, adapterDocument.Kind);
        Assert.Equal(baseHash, adapterDocument.Metadata[ModelDocument.BaseHashKey]);
        AdapterSet adapters = adapterDocument.ToAdapters();
        Assert.Equal("skip2-lora-q4", adapters.Method);
        Assert.Equal(4, adapters.Rank);
        AnomalyModel adapted = AnomalyModelDocuments.ReadVersion(baseModel, adapterDocument, new FineTuneOptions());
        Assert.Equal("skip2-lora-q4", adapted.Method);
        Assert.Equal(expectedAdapters["threshold"]!.GetValue<float>(), adapted.Threshold);

        JsonArray windows = Files["windows"]!.AsArray();
        Assert.Equal(2, windows.Count);
        foreach (JsonNode? window in windows)
        {
            float[] features = Floats(window!["features"]);
            AssertClose(window["baseScore"]!.GetValue<float>(), baseModel.Score(features));
            AssertClose(window["adaptedScore"]!.GetValue<float>(), adapted.Score(features));
        }
        // The stored exemplar is the second window's features.
        Assert.Equal(Floats(windows[1]!["features"]), baseModel.Exemplars.AsSpan(0, 21).ToArray());
    }

    [Fact]
    public async Task The_sample_store_keeps_its_windows_and_labels_and_never_reuses_an_id()
    {
        using StateDatabase state = StateDatabase.Open(_state);
        var samples = new SampleStore(state, SampleCapacity);
        JsonObject expected = State["samples"]!.AsObject();
        long labelFrom = expected["labelFrom"]!.GetValue<long>(), labelTo = expected["labelTo"]!.GetValue<long>();

        IReadOnlyList<SampleRecord> labelled = samples.Labelled("fault");
        Assert.Equal(27, labelled.Count);
        Assert.All(labelled, s => Assert.InRange(s.Ts, labelFrom, labelTo));
        Assert.Equal(160, samples.CountSince(long.MinValue));
        Assert.Equal(187, state.Database.GetCollection<SampleRecord>("samples").Count());
        Assert.Equal(533, samples.Newest(1).Single().Id);

        foreach (JsonNode? window in State["windows"]!.AsArray())
        {
            SampleRecord stored = state.Database.GetCollection<SampleRecord>("samples").FindById(window!["sampleId"]!.GetValue<long>());
            Assert.NotNull(stored);
            Assert.Equal(window["ts"]!.GetValue<long>(), stored.Ts);
            Assert.Equal(window["label"]?.GetValue<string>(), stored.Label);
            Assert.Equal(Floats(window["features"]), stored.Vector());
        }

        // A new window continues after the reserved block, the oldest unlabelled window makes room, labels stay pinned.
        float[] features = Floats(State["windows"]![1]!["features"]);
        long id = samples.Add(features, labelTo + 100_000);
        Assert.Equal(expected["nextIdReserved"]!.GetValue<long>(), id);
        Assert.True(id > expected["maxId"]!.GetValue<long>());
        await samples.FlushAsync();
        Assert.Equal(160, samples.CountSince(long.MinValue));
        Assert.Equal(27, samples.Labelled("fault").Count);
        Assert.Equal(id, samples.Newest(1).Single().Id);
    }

    [Fact]
    public async Task The_event_log_continues_its_seq_and_the_outbox_still_holds_what_was_undelivered()
    {
        using StateDatabase state = StateDatabase.Open(_state);
        var events = new EventLog(state, EventTopic, queueLimit: 10_000);
        JsonObject expected = State["events"]!.AsObject();

        List<EventRecord> log = [.. state.Database.GetCollection<EventRecord>("events").FindAll().OrderBy(e => e.Seq)];
        Assert.Equal(Enumerable.Range(1, 18).Select(i => (long)i), log.Select(e => e.Seq));
        Assert.Equal(expected["types"]!.AsArray().Select(t => t!.GetValue<string>()), log.Select(e => e.Type));
        Assert.All(log, e => Assert.Equal(e.Seq, JsonNode.Parse(e.Json)!["seq"]!.GetValue<long>()));

        IReadOnlyList<OutboxMessage> pending = events.Pending(1000);
        JsonArray outbox = State["outbox"]!.AsArray();
        Assert.Equal(8, pending.Count);
        Assert.Equal(outbox.Count, pending.Count);
        for (int i = 0; i < pending.Count; i++)
        {
            JsonNode e = outbox[i]!;
            OutboxMessage m = pending[i];
            Assert.Equal(e["id"]!.GetValue<long>(), m.Id);
            Assert.Equal(e["topic"]!.GetValue<string>(), m.Topic);
            Assert.Equal(e["seq"]?.GetValue<long>(), m.Seq);
            Assert.Equal(e["type"]?.GetValue<string>(), m.Type);
            Assert.Equal(e["ts"]!.GetValue<long>(), m.Ts);
            Assert.Equal(e["payload"]!.GetValue<string>(), m.Payload);
            Assert.Equal(e["correlationData"]?.GetValue<string>(), m.CorrelationData is null ? null : Convert.ToBase64String(m.CorrelationData));
        }
        Assert.Equal("rollback"u8.ToArray(), pending.Single(m => m.Topic == "sensorodl/operator/replies" && m.Payload.Contains("op-rollback-3")).CorrelationData);

        long ts = log[^1].Ts + 1000;
        events.Append("upgrade_checked", ts);
        state.Write(_ => { }); // the writer runs in order: the event is committed once this is through
        EventRecord appended = state.Database.GetCollection<EventRecord>("events").FindById(19L);
        Assert.NotNull(appended);
        Assert.Equal("upgrade_checked", appended.Type);
        Assert.Equal(19, JsonNode.Parse(appended.Json)!["seq"]!.GetValue<long>());
        IReadOnlyList<OutboxMessage> after = events.Pending(1000);
        Assert.Equal(9, after.Count);
        Assert.Equal(19, after[^1].Seq);
        Assert.True(after[^1].Id > pending[^1].Id);
        await events.MarkDeliveredAsync(pending[0].Id);
        Assert.Equal(pending[1].Id, events.Pending(1).Single().Id);
    }

    [Fact]
    public void Seen_command_ids_are_remembered_so_a_replay_is_refused()
    {
        // Ids count for 24 h from when they were seen: the check runs on the fixture's clock, a minute after the last one.
        JsonArray seenIds = State["seenCommands"]!.AsArray();
        Assert.Equal(["op-set-0", "op-label-1", "op-retrain-2", "op-rollback-3"], seenIds.Select(c => c!["id"]!.GetValue<string>()));
        long now = seenIds.Max(c => c!["ts"]!.GetValue<long>()) + 60_000;

        using StateDatabase state = StateDatabase.Open(_state);
        var seen = new SeenCommands(state, now);
        foreach (JsonNode? command in seenIds)
            Assert.False(seen.TryRecord(command!["id"]!.GetValue<string>(), now), $"{command["id"]} was not remembered");
        Assert.True(seen.TryRecord("op-new-5", now));
    }

    [Fact]
    public async Task The_forward_cache_entries_are_found_and_spare_the_base_forward_pass()
    {
        using StateDatabase state = StateDatabase.Open(_state);
        var registry = new ModelRegistry(state, _state);
        AnomalyModel baseModel = registry.Load(registry.Get(1)!, new FineTuneOptions());
        JsonObject expected = State["forwardCache"]!.AsObject();
        var store = new LiteDbForwardCacheStore(state);
        Skip2Lora Tuner() => (Skip2Lora)FineTuneMethods.Create("skip2-lora-q4", baseModel.Base, new FineTuneOptions
        {
            Rank = 4,
            BaseHash = baseModel.BaseHash,
            CacheStore = store,
            Training = new TrainingOptions { Epochs = 2, BatchSize = 16, Objective = Objective.Reconstruction },
        });

        // The v1 state holds 120 entries, some of windows its ring has since evicted: opening the scope deletes
        // those (they can never be asked for again), so the fixture's entry is decoded from its document.
        LiteDB.ILiteCollection<CacheDocument> documents = state.Database.GetCollection<CacheDocument>(LiteDbForwardCacheStore.CollectionName);
        Assert.Equal(120, documents.Count());
        long sample = expected["sample"]!.GetValue<long>();
        byte[] storedEntry = documents.FindOne(d => d.Sample == sample).Data;
        LiteDB.ILiteCollection<SampleRecord> ring = state.Database.GetCollection<SampleRecord>(SampleStore.CollectionName);
        long oldestUnlabelled = ring.Find(s => s.Label == null).Min(s => s.Id);
        HashSet<long> labelled = [.. ring.Find(s => s.Label != null).Select(s => s.Id)];
        int live = documents.FindAll().Count(d => d.Sample >= oldestUnlabelled || labelled.Contains(d.Sample));
        Assert.InRange(live, 16, 119);

        Skip2Lora tuner = Tuner();
        Assert.Equal(live, tuner.Cache.Count);
        Assert.Equal(live, documents.Count());
        Assert.Equal("10-4-10+21", tuner.Cache.Codec.Layout.Signature);
        Assert.Equal(expected["encodedSize"]!.GetValue<int>(), tuner.Cache.Codec.EncodedSize);
        var entry = new float[tuner.Cache.Codec.Layout.Length];
        tuner.Cache.Codec.Decode(storedEntry, entry);
        float[] expectedEntry = Floats(expected["entry"]);
        Assert.Equal(expectedEntry.Length, entry.Length);
        for (int i = 0; i < entry.Length; i++) AssertClose(expectedEntry[i], entry[i]);
        Assert.False(tuner.Cache.TryGet(999_999, entry));

        // A fine-tune on windows the cache holds runs no base forward pass: the cache outlives the upgrade.
        SampleRecord[] cached = [.. state.Database.GetCollection<SampleRecord>("samples").FindAll()
            .Where(s => s.Label is null && tuner.Cache.TryGet(s.Id, entry)).OrderBy(s => s.Id)];
        Assert.True(cached.Length >= 16, $"only {cached.Length} stored windows have cache entries");
        float[] raw = [.. cached.SelectMany(s => s.Vector())];
        tuner.Fit(new SampleSet(baseModel.InputSize, baseModel.NormalizeMany(raw, cached.Length), ids: [.. cached.Select(s => s.Id)]));
        Assert.Equal(0, tuner.BaseForwardSamples);

        // Entries of a base still in use survive the daemon's start-up pruning.
        await store.PruneAsync(registry.LiveBaseHashes());
        Assert.Equal(live, Tuner().Cache.Count);
        await store.PruneAsync(new HashSet<string>());
        Assert.Equal(0, Tuner().Cache.Count);
    }

    static float[] Floats(JsonNode? array) => [.. array!.AsArray().Select(v => v!.GetValue<float>())];

    /// <summary>Scores agree to float rounding: the GEMM's vector width (and so its summation order) differs between CPUs.</summary>
    static void AssertClose(float expected, float actual)
    {
        float tolerance = 1e-4f * Math.Max(1f, Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"expected {expected:R}, got {actual:R}");
    }

    static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
