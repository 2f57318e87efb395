using SensorOdl.Daemon.Storage;
using SensorOdl.Learning.Caches;
using SensorOdl.Learning.FineTuning;
using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Training;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// A long accelerated run in miniature: windows stream through the ring and a fine-tune with the state's forward cache
/// follows each stretch of them, as drift jobs would for weeks. The cache is pruned with the ring and LiteDB reuses the
/// freed pages, so the entries and the files stop growing once the ring is full.
/// </summary>
public sealed class BoundedStateTests : IDisposable
{
    readonly string _state = Directory.CreateTempSubdirectory("sensorodl-bounded-").FullName;
    static readonly Network Base = NetworkFactory.Autoencoder(12, [8, 3, 8], seed: 4);

    public void Dispose() => Directory.Delete(_state, recursive: true);

    long StateBytes() => Directory.GetFiles(_state).Sum(f => new FileInfo(f).Length);

    [Fact]
    public void Forward_cache_entries_and_state_files_stay_flat_over_many_jobs()
    {
        const int Capacity = 200, PerJob = 150, Jobs = 15;
        var random = new Random(3);
        var entriesAfter = new List<int>();
        var bytesAfter = new List<long>();
        using (StateDatabase state = StateDatabase.Open(_state))
        {
            var samples = new SampleStore(state, Capacity);
            var cache = new LiteDbForwardCacheStore(state);
            long ts = 0;
            for (int job = 0; job < Jobs; job++)
            {
                var window = new float[12];
                var probes = new float[36];
                for (int i = 0; i < PerJob; i++)
                {
                    for (int j = 0; j < 12; j++) window[j] = (float)random.NextDouble();
                    for (int j = 0; j < 36; j++) probes[j] = window[j % 12] + 0.1f;
                    samples.Add(window, ts += 1000, probes);
                }
                IReadOnlyList<SampleRecord> newest = samples.Newest(PerJob);
                var set = new SampleSet(12, [.. newest.SelectMany(s => s.Vector())], ids: [.. newest.Select(s => s.Id)]);
                FineTuneMethods.Create("skip2-lora-q4", Base, new FineTuneOptions
                {
                    Rank = 2, BaseHash = "base", CacheStore = cache,
                    Training = new TrainingOptions { Epochs = 1, BatchSize = 16, Objective = Objective.Reconstruction },
                }).Fit(set);
                state.Write(_ => { }); // the cache's entries are committed behind the fit
                entriesAfter.Add(state.Database.GetCollection(LiteDbForwardCacheStore.CollectionName).Count());
                bytesAfter.Add(StateBytes());
            }
        }
        // Each job caches its 150 windows; opening the next prunes those the ring (200) has evicted since.
        Assert.All(entriesAfter, count => Assert.InRange(count, 1, Capacity + PerJob));
        Assert.Equal(entriesAfter[Jobs / 2 - 1], entriesAfter[^1]);
        // The files: the last third of the run ends no larger than the middle (LiteDB reuses freed pages; the log is checkpointed).
        long middle = bytesAfter.Skip(Jobs / 3).Take(Jobs / 3).Max();
        Assert.True(bytesAfter.Skip(2 * Jobs / 3).Max() <= middle * 1.1,
            $"state bytes after each job: {string.Join(", ", bytesAfter)}; forward-cache entries: {string.Join(", ", entriesAfter)}");
    }
}
