using LiteDB;
using SensorOdl.Daemon.Storage;
using SensorOdl.Daemon.Storage.Durability;
using SensorOdl.Learning.Caches;
using SensorOdl.Learning.FineTuning;

namespace SensorOdl.Daemon.Tests.PowerCut;

/// <summary>Reopens the disk a cut left and checks every promise of docs/RELIABILITY.md against what was announced before the cut.</summary>
static class PromiseChecker
{
    public static List<string> Check(PowerCutDisk image, long cutAt, Promises promises, CacheLayout cacheLayout)
    {
        var violations = new List<string>();
        StateUnderTest state;
        try { state = new StateUnderTest(image); }
        catch (Exception e)
        {
            violations.Add($"the state does not open: {e.GetType().Name}: {e.Message}");
            return violations;
        }
        using (state)
        {
            try { CheckOpened(state, cutAt, promises, cacheLayout, violations); }
            catch (Exception e) { violations.Add($"checking the reopened state failed: {e.GetType().Name}: {e.Message}"); }
        }
        return violations;
    }

    static void CheckOpened(StateUnderTest state, long cutAt, Promises promises, CacheLayout cacheLayout, List<string> violations)
    {
        LiteDatabase db = state.State.Database;
        if (state.State.Recovery is { } recovery) violations.Add($"the state had to be moved aside ({recovery.Error})");
        foreach (string collection in db.GetCollectionNames())
            _ = db.GetCollection(collection).FindAll().Count(); // every page of every collection reads

        // Every event whose seq was published, as published; and the marks cover every seq stored.
        ILiteCollection<EventRecord> events = db.GetCollection<EventRecord>("events");
        foreach ((long at, long seq, string json) in promises.Published.Where(p => p.At <= cutAt))
            if (events.FindById(seq) is not { } record || record.Json != json) violations.Add($"published event seq {seq} is {(events.FindById(seq) is null ? "gone" : "changed")}");
        long maxSeq = events.Count() == 0 ? 0 : events.Max(e => e.Seq);
        if (state.MarksAtOpen.EventSeqReserved < maxSeq) violations.Add($"the marks reserve seqs to {state.MarksAtOpen.EventSeqReserved}, the log holds {maxSeq}");

        // Every announced model version, loadable while kept; the marks cover the highest.
        foreach ((long at, int version, string id) in promises.Versions.Where(v => v.At <= cutAt))
        {
            ModelVersionRecord? record = state.Registry.Get(version);
            if (record is null || record.Id != id) { violations.Add($"announced model version {version} is {(record is null ? "gone" : "changed")}"); continue; }
            if (!record.Retired)
                try { state.Registry.Load(record, new FineTuneOptions()); }
                catch (Exception e) { violations.Add($"model version {version} does not load: {e.Message}"); }
        }
        int announcedVersion = promises.Versions.Where(v => v.At <= cutAt).Select(v => v.Version).DefaultIfEmpty(0).Max();
        if (state.MarksAtOpen.ModelVersion < announcedVersion) violations.Add($"the marks hold model version {state.MarksAtOpen.ModelVersion}, {announcedVersion} was announced");

        // The active pointer: the last announced switch, or one that was under way at the cut.
        var allowed = new HashSet<int?>();
        (long Start, long End, int Version)? last = promises.Activations.Where(a => a.End <= cutAt).Select(a => ((long, long, int)?)a).LastOrDefault();
        allowed.Add(last?.Item3);
        foreach ((long start, long end, int version) in promises.Activations.Where(a => a.Start <= cutAt && a.End > cutAt)) allowed.Add(version);
        if (!allowed.Contains(state.Registry.ActiveVersion))
            violations.Add($"the active version is {state.Registry.ActiveVersion?.ToString() ?? "none"}, announced {last?.Item3.ToString() ?? "none"}");
        if (state.Registry.Active is { } active)
            try { state.Registry.Load(active, new FineTuneOptions()); }
            catch (Exception e) { violations.Add($"the active version {active.Version} does not load: {e.Message}"); }

        // Labels: each labelled window keeps its last announced label (or one being set at the cut).
        ILiteCollection<SampleRecord> samples = db.GetCollection<SampleRecord>("samples");
        foreach (IGrouping<long, (long Start, long End, long Sample, string Label)> sample in promises.Labels.Where(l => l.Start <= cutAt).GroupBy(l => l.Sample))
        {
            var announced = sample.Where(l => l.End <= cutAt).ToList();
            if (announced.Count == 0) continue;
            var ok = new HashSet<string> { announced[^1].Label };
            foreach (var running in sample.Where(l => l.End > cutAt)) ok.Add(running.Label);
            string? stored = samples.FindById(sample.Key)?.Label;
            if (stored is null || !ok.Contains(stored)) violations.Add($"window {sample.Key} labelled {announced[^1].Label} is {(stored is null ? "unlabelled or gone" : $"labelled {stored}")}");
        }

        // Seen command ids stay seen.
        foreach ((long at, string id) in promises.SeenIds.Where(s => s.At <= cutAt))
            if (state.Seen.TryRecord(id, StateUnderTest.Now)) violations.Add($"seen command id {id} is accepted again");

        // Sample ids are never reused: the next is past every stored window and cache entry.
        ILiteCollection<CacheDocument> cache = db.GetCollection<CacheDocument>(LiteDbForwardCacheStore.CollectionName);
        long maxSample = Math.Max(samples.Count() == 0 ? 0 : samples.Max(s => s.Id), cache.Count() == 0 ? 0 : cache.Max(c => c.Sample));
        long next = state.Samples.Add(new float[TinyModels.Features], StateUnderTest.Now);
        if (next <= maxSample) violations.Add($"sample id {next} is handed out again (stored up to {maxSample})");

        // The forward cache opens (it may have lost entries: it is rebuilt).
        foreach (string baseHash in promises.CacheScopes)
            _ = state.Cache.Open(baseHash, cacheLayout, CacheEncoding.Int4).Count;
    }
}
