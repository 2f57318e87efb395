using System.Text.Json.Nodes;
using SensorOdl.Daemon.Storage;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.Caches;

namespace SensorOdl.Daemon.Tests.PowerCut;

public sealed record PowerCutResult(int Cuts, IReadOnlyList<string> Violations, int Lives, long Syncs, TimeSpan Living, TimeSpan Checking)
{
    public string Summary => $"powercut: {Cuts} cuts, {Violations.Count} violations";
}

/// <summary>
/// Drives the real state code (registry, sample store, event log and outbox, seen ids, labels, forward cache) on a
/// <see cref="PowerCutDisk"/> through collection, promotion, rollback, labels, delivery and clean restarts, with tiny
/// models. At random changes of the disk it takes the image a power cut would leave; after each life every image is
/// reopened and every promise checked (<see cref="PromiseChecker"/>). A life is one fresh state directory.
/// </summary>
public static class PowerCutHarness
{
    const int OperationsPerLife = 100, ImagesPerLife = 30;
    static readonly AnomalyModel[] Bases = [TinyModels.Base(1), TinyModels.Base(2)];
    static readonly AnomalyModel[][] Adapted = [.. Bases.Select(b => Enumerable.Range(1, 4).Select(s => TinyModels.Adapted(b, s)).ToArray())];
    static readonly CacheLayout CacheLayout = new([6], 12);

    public static PowerCutResult Run(int cuts, int seed, Action<string>? progress = null)
    {
        var violations = new List<string>();
        int done = 0, lives = 0;
        long syncs = 0;
        double chance = 0.02;
        var living = new System.Diagnostics.Stopwatch();
        var checking = new System.Diagnostics.Stopwatch();
        while (done < cuts)
        {
            int lifeSeed = seed * 100_003 + lives++;
            living.Start();
            (List<(long At, PowerCutDisk Image)> images, Promises promises, long changes, long lifeSyncs) = Live(lifeSeed, chance, Math.Min(ImagesPerLife, cuts - done));
            living.Stop();
            syncs += lifeSyncs;
            checking.Start();
            foreach ((long at, PowerCutDisk image) in images)
            {
                foreach (string v in PromiseChecker.Check(image, at, promises, CacheLayout)) violations.Add($"life {lifeSeed}, cut at change {at}: {v}");
                done++;
            }
            checking.Stop();
            chance = Math.Clamp(ImagesPerLife * 1.2 / Math.Max(1, changes), 0.0005, 0.5);
            if (lives % 20 == 0) progress?.Invoke($"{done} cuts, {violations.Count} violations");
        }
        return new PowerCutResult(done, violations, lives, syncs, living.Elapsed, checking.Elapsed);
    }

    static (List<(long, PowerCutDisk)>, Promises, long, long) Live(int seed, double chance, int maxImages)
    {
        var random = new Random(seed);
        var cutRandom = new Random(seed ^ 0x5EED);
        var disk = new PowerCutDisk();
        var images = new List<(long, PowerCutDisk)>();
        disk.Changed = at =>
        {
            if (images.Count < maxImages && cutRandom.NextDouble() < chance) images.Add((at, disk.Cut(cutRandom)));
        };
        var promises = new Promises();
        var life = new Life(disk, random, promises);
        try
        {
            for (int i = 0; i < OperationsPerLife; i++) life.Step(i);
        }
        finally
        {
            life.Dispose();
        }
        return (images, promises, disk.Operations, disk.Syncs);
    }

    sealed class Life(PowerCutDisk disk, Random random, Promises promises) : IDisposable
    {
        StateUnderTest _state = Open(disk);
        long _ts = StateUnderTest.Now;
        int _seen;

        static StateUnderTest Open(PowerCutDisk disk)
        {
            var state = new StateUnderTest(disk);
            state.State.Database.Pragma("CHECKPOINT", 30); // fold the log into the data file often: the journal is cut too
            return state;
        }

        public void Step(int i)
        {
            int roll = random.Next(100);
            if (roll < 35) Collect();
            else if (roll < 55) _state.Events.Append("powercut_test", _ts, new JsonObject { ["step"] = i, ["pad"] = new string('x', random.Next(0, 3000)) });
            else if (roll < 68) Publish();
            else if (roll < 71) _state.Events.EnqueueReplyAsync("sensorodl/powercut/reply", $"{{\"step\":{i}}}", null, _ts).Wait();
            else if (roll < 80) Model();
            else if (roll < 86) Label();
            else if (roll < 91) See();
            else if (roll < 97) Cache();
            else Restart();
        }

        void Collect()
        {
            var features = new float[TinyModels.Features];
            for (int n = random.Next(1, 80); n > 0; n--)
            {
                for (int f = 0; f < features.Length; f++) features[f] = (float)random.NextDouble();
                _state.Samples.Add(features, _ts += 1000);
            }
            if (random.Next(4) == 0) _state.Samples.FlushAsync().Wait();
        }

        void Publish()
        {
            IReadOnlyList<OutboxMessage> pending = _state.Events.Pending(random.Next(1, 40));
            long at = disk.Operations;
            foreach (OutboxMessage m in pending)
                if (m.Seq is long seq) promises.Published.Add((at, seq, m.Payload));
            foreach (OutboxMessage m in pending.Take(random.Next(pending.Count + 1))) _state.Events.MarkDeliveredAsync(m.Id).Wait();
        }

        void Model()
        {
            ModelRegistry registry = _state.Registry;
            long start = disk.Operations;
            ModelVersionRecord? active = registry.Active;
            int choice = active is null ? 0 : random.Next(10);
            if (choice == 0)
            {
                ModelVersionRecord added = registry.AddBase(Bases[random.Next(Bases.Length)], "powercut", 40);
                Announce(start, added, activated: true);
            }
            else if (choice <= 6)
            {
                int b = Array.FindIndex(Bases, m => m.BaseHash == active!.BaseHash);
                bool activate = random.Next(3) > 0;
                ModelVersionRecord added = registry.AddAdapted(Adapted[b][random.Next(Adapted[b].Length)], active!.Version, "powercut", 40, null, null, activate);
                Announce(start, added, activate);
            }
            else
            {
                ModelVersionRecord[] kept = [.. registry.List().Where(v => !v.Retired)];
                ModelVersionRecord target = registry.Activate(kept[random.Next(kept.Length)].Version); // rollback (or forward)
                promises.Activations.Add((start, disk.Operations, target.Version));
            }
        }

        void Announce(long start, ModelVersionRecord added, bool activated)
        {
            long end = disk.Operations;
            promises.Versions.Add((end, added.Version, added.Id));
            if (activated) promises.Activations.Add((start, end, added.Version));
        }

        void Label()
        {
            long from = _ts - random.Next(1, 60) * 1000L, to = from + random.Next(0, 30) * 1000L;
            string label = random.Next(2) == 0 ? "fault" : "normal";
            long start = disk.Operations;
            _state.Samples.LabelAsync(from, to, label).Wait();
            long end = disk.Operations;
            foreach (SampleRecord s in _state.Samples.Labelled(label).Where(s => s.Ts >= from && s.Ts <= to))
                promises.Labels.Add((start, end, s.Id, label));
        }

        void See()
        {
            string id = $"cmd-{random.Next(1_000_000)}-{_seen++}";
            if (_state.Seen.TryRecord(id, StateUnderTest.Now)) promises.SeenIds.Add((disk.Operations, id));
        }

        void Cache()
        {
            if (_state.Registry.Active is not { } active) return;
            IReadOnlyList<SampleRecord> newest = _state.Samples.Newest(random.Next(1, 50));
            IForwardCache cache = _state.Cache.Open(active.BaseHash, CacheLayout, CacheEncoding.Int4);
            promises.CacheScopes.Add(active.BaseHash);
            var entry = new float[CacheLayout.Length];
            foreach (SampleRecord s in newest)
            {
                for (int k = 0; k < entry.Length; k++) entry[k] = (float)random.NextDouble();
                cache.Put(s.Id, entry);
            }
            cache.Flush();
            if (random.Next(5) == 0) _state.Cache.PruneAsync(_state.Registry.LiveBaseHashes()).Wait();
        }

        void Restart()
        {
            _state.Dispose();
            _state = Open(disk);
            if (_state.State.Recovery is not null) throw new InvalidOperationException("a clean restart needed a recovery");
        }

        public void Dispose() => _state.Dispose();
    }
}
