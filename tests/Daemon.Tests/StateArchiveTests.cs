using System.IO.Compression;
using SensorOdl.Daemon.Storage;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.FineTuning;

namespace SensorOdl.Daemon.Tests;

/// <summary>`state export` / `state import` (docs/CONTRACT.md §1, docs/RELIABILITY.md §6) on real LiteDB files.</summary>
public sealed class StateArchiveTests : IDisposable
{
    static readonly AnomalyModel BaseA = TinyModels.Base(seed: 1);
    static readonly AnomalyModel BaseB = TinyModels.Base(seed: 2);
    readonly string _root = Directory.CreateTempSubdirectory("sensorodl-archive-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    string Dir(string name) => Path.Combine(_root, name);

    static async Task<(int Code, string Out, string Err)> Cli(string stateDir, params string[] args) =>
        await CliRunner.Run([.. args, $"--Storage:StateDir={stateDir}", "--Device:Id=pump7"]);

    /// <summary>Versions 1 (base A), 2–4 adapted on A, 5 (base B); v3 active; labels, seen ids and events.</summary>
    static long BuildSource(string dir)
    {
        using StateDatabase state = StateDatabase.Open(dir);
        var registry = new ModelRegistry(state, dir);
        registry.AddBase(BaseA, "first start", 40);
        for (int seed = 10; seed < 13; seed++)
            registry.AddAdapted(TinyModels.Adapted(BaseA, seed), parentVersion: 1, "drift", 30, new() { ["falseAlarms"] = double.NaN }, $"job-{seed}", activate: true,
                fitFromSample: seed);
        registry.AddBase(BaseB, "train", 40);
        registry.Activate(3);
        var samples = new SampleStore(state, capacity: 100);
        for (int i = 0; i < 20; i++) samples.Add([i, i + 0.5f, -i], ts: 1_000 + i);
        samples.LabelAsync(1_005, 1_007, "fault").GetAwaiter().GetResult();
        samples.LabelAsync(1_010, 1_010, "normal").GetAwaiter().GetResult();
        var seen = new SeenCommands(state, nowMs: DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        Assert.True(seen.TryRecord("cmd-1", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        var events = new EventLog(state, "sensorodl/pump7/events", queueLimit: 100);
        for (int i = 0; i < 5; i++) events.Append("test", 1_000);
        state.WriteAsync(_ => { }, durable: true).GetAwaiter().GetResult(); // the events are committed
        return state.Database.GetCollection<EventRecord>("events").Max(e => e.Seq);
    }

    [Fact]
    public async Task Export_then_import_into_an_empty_directory_restores_the_same_active_model_labels_and_ids_and_continues_the_numbers()
    {
        long sourceSeq = BuildSource(Dir("old"));
        string archive = Path.Combine(_root, "pump7.sodlstate");

        var exported = await Cli(Dir("old"), "state", "export", archive);
        Assert.True(exported.Code == 0, exported.Err);
        Assert.Contains("5 kept model versions (active v3), 4 labelled windows, 1 seen command ids of device pump7", exported.Out);
        var imported = await Cli(Dir("new"), "state", "import", archive);
        Assert.True(imported.Code == 0, imported.Err);

        using StateDatabase before = StateDatabase.Open(Dir("old"));
        using StateDatabase after = StateDatabase.Open(Dir("new"));
        var oldRegistry = new ModelRegistry(before, Dir("old"));
        var newRegistry = new ModelRegistry(after, Dir("new"));
        Assert.Equal(3, newRegistry.ActiveVersion);
        Assert.Equal(oldRegistry.List().Select(v => (v.Version, v.Id, v.ParentVersion, v.Method, v.Retired)),
            newRegistry.List().Select(v => (v.Version, v.Id, v.ParentVersion, v.Method, v.Retired)));
        Assert.True(double.IsNaN(newRegistry.Get(2)!.Metrics["falseAlarms"]));
        Assert.Equal(10, oldRegistry.Get(2)!.FitFromSample);
        Assert.Null(newRegistry.Get(2)!.FitFromSample); // the sample id it named may be another window here: the next job fits its episode alone
        // The daemon loads its model through the registry (ModelSelection): the same version scores a window identically.
        Assert.Equal(TinyModels.Fingerprint(oldRegistry.Load(oldRegistry.Active!, new FineTuneOptions())),
            TinyModels.Fingerprint(newRegistry.Load(newRegistry.Active!, new FineTuneOptions())));
        foreach (ModelVersionRecord kept in newRegistry.List().Where(v => !v.Retired)) newRegistry.Load(kept, new FineTuneOptions());

        var oldSamples = new SampleStore(before, 100);
        var newSamples = new SampleStore(after, 100);
        Assert.Equal(oldSamples.Labelled("fault").Select(s => (s.Ts, Convert.ToHexString(s.Features))),
            newSamples.Labelled("fault").Select(s => (s.Ts, Convert.ToHexString(s.Features))));
        Assert.Equal([1_010L], newSamples.Labelled("normal").Select(s => s.Ts));
        Assert.DoesNotContain(newSamples.Newest(100), s => s.Label is null); // the sample store stays behind without --samples
        var seen = new SeenCommands(after, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        Assert.False(seen.TryRecord("cmd-1", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())); // a replay stays refused

        // Numbers continue after the old board's: no event seq or model version is reused.
        var events = new EventLog(after, "sensorodl/pump7/events", queueLimit: 100);
        events.Append("after_import", 2_000);
        await after.WriteAsync(_ => { }, durable: true);
        Assert.True(after.Database.GetCollection<EventRecord>("events").Max(e => e.Seq) > sourceSeq);
        Assert.True(after.Marks.Current.EventSeqReserved >= sourceSeq);
        ModelVersionRecord next = newRegistry.AddAdapted(TinyModels.Adapted(BaseA, 20), 3, "drift", 30, null, null, activate: false);
        Assert.Equal(6, next.Version);
        Assert.True(after.Marks.Current.ModelVersion >= 6);
    }

    [Fact]
    public async Task With_samples_the_unlabelled_windows_travel_too_and_get_fresh_ids()
    {
        BuildSource(Dir("old"));
        string archive = Path.Combine(_root, "with-samples.sodlstate");
        Assert.Equal(0, (await Cli(Dir("old"), "state", "export", "--samples", archive)).Code);
        Assert.Equal(0, (await Cli(Dir("new"), "state", "import", archive)).Code);
        using StateDatabase after = StateDatabase.Open(Dir("new"));
        IReadOnlyList<SampleRecord> all = new SampleStore(after, 100).Newest(100);
        Assert.Equal(17, all.Count); // 20 windows, 3 labelled fault (the normal one is among the newest)
        Assert.Equal(all.Count, all.Select(s => s.Id).Distinct().Count());
    }

    [Fact]
    public async Task An_export_taken_while_another_instance_writes_and_checkpoints_is_consistent()
    {
        string source = Dir("live");
        using StateDatabase live = StateDatabase.Open(source);
        var registry = new ModelRegistry(live, source, keepVersions: 3);
        registry.AddBase(BaseA, "first start", 40);
        using var stop = new CancellationTokenSource();
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        int checkpoints = 0, pairs = 0;
        Task writer = Task.Run(() =>
        {
            for (int n = 1; !stop.IsCancellationRequested; n++)
            {
                int pair = n;
                // One transaction writes a fault and a normal window and a seen id (another collection, other pages):
                // a snapshot holds all three or none.
                live.Write(db =>
                {
                    db.GetCollection<SampleRecord>("samples").InsertBulk(
                    [
                        new SampleRecord { Id = 2 * pair - 1, Ts = pair, Label = "fault", Features = new byte[1024] },
                        new SampleRecord { Id = 2 * pair, Ts = pair, Label = "normal", Features = new byte[1024] },
                    ]);
                    db.GetCollection<SeenCommand>("seen_commands").Insert(new SeenCommand { Id = $"pair-{pair}", Ts = now });
                }, durable: n % 2 == 0);
                Volatile.Write(ref pairs, n);
                if (n % 10 == 0) registry.AddAdapted(TinyModels.Adapted(BaseA, n), 1, "drift", 1, null, null, activate: n % 20 == 0);
                if (n % 7 == 0)
                {
                    live.Database.Checkpoint();
                    Interlocked.Increment(ref checkpoints);
                }
            }
        });

        var seenPairs = new List<int>();
        for (int export = 0; export < 6; export++)
        {
            int wanted = Volatile.Read(ref pairs) + 5;
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref pairs) >= wanted || writer.IsCompleted, TimeSpan.FromSeconds(30)));
            Assert.False(writer.IsFaulted, writer.Exception?.ToString());
            string archive = Path.Combine(_root, $"live-{export}.sodlstate");
            StateArchiveExport.Export(source, archive, "pump7", withSamples: false);

            string target = Dir($"restored-{export}");
            StateArchiveImport.Import(StateArchiveReader.Read(archive), target, keepVersions: 3, replace: false);

            using StateDatabase restored = StateDatabase.Open(target);
            var samples = new SampleStore(restored, 100);
            long[] faults = [.. samples.Labelled("fault").Select(s => s.Ts).Order()];
            long[] normals = [.. samples.Labelled("normal").Select(s => s.Ts).Order()];
            Assert.Equal(faults, normals);
            Assert.Equal(Enumerable.Range(1, faults.Length).Select(i => (long)i), faults); // a prefix of the history, no gap
            Assert.Equal(Enumerable.Range(1, faults.Length).Select(i => $"pair-{i}").Order(StringComparer.Ordinal),
                restored.Database.GetCollection<SeenCommand>("seen_commands").FindAll().Select(c => c.Id).Order(StringComparer.Ordinal));
            var restoredRegistry = new ModelRegistry(restored, target);
            foreach (ModelVersionRecord kept in restoredRegistry.List().Where(v => !v.Retired)) restoredRegistry.Load(kept, new FineTuneOptions());
            seenPairs.Add(faults.Length);
        }
        await stop.CancelAsync();
        await writer;
        Assert.True(checkpoints > 0);
        Assert.True(seenPairs.Distinct().Count() > 1, "the exports all saw the same state: the writer did not write meanwhile");
        Assert.Equal(seenPairs.Order(), seenPairs); // each snapshot is at or after the previous one
    }

    [Fact]
    public async Task A_corrupted_archive_is_refused_with_one_line_and_nothing_is_imported()
    {
        BuildSource(Dir("old"));
        string archive = Path.Combine(_root, "pump7.sodlstate");
        Assert.Equal(0, (await Cli(Dir("old"), "state", "export", archive)).Code);

        // A model file changed inside a well-formed zip: only the manifest's checksum can tell.
        string tampered = Path.Combine(_root, "tampered.sodlstate");
        File.Copy(archive, tampered);
        using (ZipArchive zip = ZipFile.Open(tampered, ZipArchiveMode.Update))
        {
            ZipArchiveEntry entry = zip.Entries.First(e => e.FullName.EndsWith(".sodla", StringComparison.Ordinal));
            byte[] bytes;
            using (var read = new MemoryStream()) { using (Stream s = entry.Open()) s.CopyTo(read); bytes = read.ToArray(); }
            bytes[^10] ^= 0x40;
            string name = entry.FullName;
            entry.Delete();
            using Stream write = zip.CreateEntry(name).Open();
            write.Write(bytes);
        }
        var refused = await Cli(Dir("new"), "state", "import", tampered);
        Assert.Equal(1, refused.Code);
        Assert.Matches(@"^sensorodl: the archive .*tampered\.sodlstate is damaged: models/v\d\.sodla does not match its checksum; nothing was imported\.\n$", refused.Err.ReplaceLineEndings("\n"));
        Assert.False(Directory.Exists(Path.Combine(Dir("new"), "models")));

        // Bytes flipped in the file itself.
        byte[] raw = File.ReadAllBytes(archive);
        for (int i = raw.Length / 3; i < raw.Length / 3 + 16; i++) raw[i] ^= 0xFF;
        string flipped = Path.Combine(_root, "flipped.sodlstate");
        File.WriteAllBytes(flipped, raw);
        var refusedToo = await Cli(Dir("new"), "state", "import", flipped);
        Assert.Equal(1, refusedToo.Code);
        Assert.Contains("is damaged", refusedToo.Err);
        Assert.Single(refusedToo.Err.Trim().Split('\n'));

        // Not an archive at all.
        var notArchive = await Cli(Dir("new"), "state", "import", Path.Combine(Dir("old"), "sensorodl.marks"));
        Assert.Equal(1, notArchive.Code);
        Assert.Contains("damaged", notArchive.Err);
        Assert.False(Directory.Exists(Path.Combine(Dir("new"), "models")));
    }

    [Fact]
    public async Task Import_into_a_directory_the_daemon_holds_is_refused_and_changes_nothing()
    {
        BuildSource(Dir("old"));
        string archive = Path.Combine(_root, "pump7.sodlstate");
        Assert.Equal(0, (await Cli(Dir("old"), "state", "export", archive)).Code);
        using StateDatabase running = StateDatabase.Open(Dir("new"));

        var refused = await Cli(Dir("new"), "state", "import", archive);

        Assert.Equal(1, refused.Code);
        Assert.Contains("is in use by another sensorodl process", refused.Err);
        Assert.Empty(new ModelRegistry(running, Dir("new")).List());
        Assert.False(Directory.Exists(Path.Combine(Dir("new"), "models")));
    }

    [Fact]
    public async Task A_directory_with_its_own_versions_needs_force_and_then_the_imported_versions_are_shifted_past_its_numbers()
    {
        BuildSource(Dir("old"));
        string archive = Path.Combine(_root, "pump7.sodlstate");
        Assert.Equal(0, (await Cli(Dir("old"), "state", "export", archive)).Code);
        using (StateDatabase fresh = StateDatabase.Open(Dir("new")))
        {
            var registry = new ModelRegistry(fresh, Dir("new"));
            registry.AddBase(BaseB, "first start", 40);
            registry.AddAdapted(TinyModels.Adapted(BaseB, 7), 1, "drift", 30, null, null, activate: true);
            new AdaptationLoopStore(fresh).Save(new Adaptation.AdaptationLoopState { Version = 2, EpisodeStartS = 1.8e9 }, durable: true);
        }

        var refused = await Cli(Dir("new"), "state", "import", archive);
        Assert.Equal(1, refused.Code);
        Assert.Contains("already holds learned state (2 model versions, 0 labelled windows); --force replaces it", refused.Err);

        var forced = await Cli(Dir("new"), "state", "import", "--force", archive);
        Assert.True(forced.Code == 0, forced.Err);
        Assert.Contains("renumbered +2", forced.Out);
        using StateDatabase after = StateDatabase.Open(Dir("new"));
        var imported = new ModelRegistry(after, Dir("new"));
        Assert.Equal([3, 4, 5, 6, 7], imported.List().Select(v => v.Version));
        Assert.Equal(5, imported.ActiveVersion);
        Assert.Equal([null, 3, 3, 3, null], imported.List().Select(v => v.ParentVersion));
        Assert.False(File.Exists(Path.Combine(Dir("new"), "models", "v2.sodla"))); // the replaced version's adapters
        Assert.Null(new AdaptationLoopStore(after).Load()); // its episode named a version that is gone
        using StateDatabase before = StateDatabase.Open(Dir("old"));
        var original = new ModelRegistry(before, Dir("old"));
        Assert.Equal(TinyModels.Fingerprint(original.Load(original.Active!, new FineTuneOptions())),
            TinyModels.Fingerprint(imported.Load(imported.Active!, new FineTuneOptions())));
    }

    [Fact]
    public async Task Usage_errors_exit_2_and_a_missing_state_exits_1()
    {
        Assert.Equal(2, (await Cli(Dir("old"), "state", "export")).Code);
        Assert.Equal(2, (await Cli(Dir("old"), "state", "import", "a", "b")).Code);
        Assert.Equal(2, (await Cli(Dir("old"), "state", "import", "a", "--samples")).Code);
        var missing = await Cli(Dir("nothing"), "state", "export", Path.Combine(_root, "x.sodlstate"));
        Assert.Equal(1, missing.Code);
        Assert.Contains("there is no state in", missing.Err);
        Assert.Equal(1, (await Cli(Dir("new"), "state", "import", Path.Combine(_root, "absent.sodlstate"))).Code);
    }
}
