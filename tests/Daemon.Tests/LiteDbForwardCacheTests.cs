using SensorOdl.Daemon.Storage;
using SensorOdl.Learning.Caches;
using SensorOdl.Learning.FineTuning;
using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Training;

namespace SensorOdl.Daemon.Tests;

public sealed class LiteDbForwardCacheTests : IDisposable
{
    readonly string _stateDirectory = Directory.CreateTempSubdirectory("sensorodl-state-").FullName;
    static readonly Network Base = NetworkFactory.Autoencoder(12, [8, 3, 8], seed: 4);

    public void Dispose() => Directory.Delete(_stateDirectory, recursive: true);

    static SampleSet Windows(int count, long firstId)
    {
        var random = new Random((int)firstId + 1);
        var inputs = new float[count * 12];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = (float)random.NextDouble();
        return new SampleSet(12, inputs, ids: [.. Enumerable.Range(0, count).Select(i => firstId + i)]);
    }

    FineTuner Tuner(StateDatabase state, string baseHash, string method = "skip2-lora-q4") =>
        FineTuneMethods.Create(method, Base, new FineTuneOptions
        {
            Rank = 2,
            BaseHash = baseHash,
            CacheStore = new LiteDbForwardCacheStore(state),
            Training = new TrainingOptions { Epochs = 3, BatchSize = 8, Objective = Objective.Reconstruction },
        });

    [Theory]
    [InlineData("skip2-lora")]
    [InlineData("skip2-lora-q4")]
    public void A_fine_tune_after_a_restart_on_the_same_base_and_samples_runs_no_base_forward_pass(string method)
    {
        SampleSet windows = Windows(40, 1000);
        float[] firstWeights;
        using (StateDatabase state = StateDatabase.Open(_stateDirectory))
        {
            FineTuner first = Tuner(state, "base-a", method);
            first.Fit(windows);
            Assert.Equal(40, first.BaseForwardSamples);
            firstWeights = [.. first.Trainable.SelectMany(p => p.Value)];
        }

        using (StateDatabase reopened = StateDatabase.Open(_stateDirectory))
        {
            FineTuner second = Tuner(reopened, "base-a", method);
            second.Fit(windows);
            Assert.Equal(0, second.BaseForwardSamples);
            // Same seed, same cached values: the same adapters as the cold run.
            Assert.Equal(firstWeights, second.Trainable.SelectMany(p => p.Value).ToArray());

            FineTuner otherBase = Tuner(reopened, "base-b", method);
            otherBase.Fit(windows);
            Assert.Equal(40, otherBase.BaseForwardSamples);
        }
    }

    [Fact]
    public void New_samples_are_forwarded_once_and_old_ones_come_from_the_cache()
    {
        using StateDatabase state = StateDatabase.Open(_stateDirectory);
        Tuner(state, "base-a").Fit(Windows(30, 0));
        FineTuner next = Tuner(state, "base-a");
        SampleSet mixed = Windows(30, 0).Subset([.. Enumerable.Range(0, 10)]);
        SampleSet fresh = Windows(15, 500);
        next.Fit(new SampleSet(12, [.. mixed.Inputs, .. fresh.Inputs], ids: [.. mixed.Ids, .. fresh.Ids]));
        Assert.Equal(15, next.BaseForwardSamples);
    }

    [Fact]
    public async Task Pruning_removes_the_entries_of_bases_no_longer_in_use()
    {
        using StateDatabase state = StateDatabase.Open(_stateDirectory);
        Tuner(state, "old-base").Fit(Windows(10, 0));
        Tuner(state, "live-base").Fit(Windows(10, 0));
        await new LiteDbForwardCacheStore(state).PruneAsync(new HashSet<string> { "live-base" });
        long ForwardsOfARefit(string baseHash)
        {
            FineTuner tuner = Tuner(state, baseHash);
            tuner.Fit(Windows(10, 0));
            return tuner.BaseForwardSamples;
        }
        Assert.Equal(10, ForwardsOfARefit("old-base"));
        Assert.Equal(0, ForwardsOfARefit("live-base"));
    }

    [Fact]
    public async Task Entries_of_windows_the_ring_evicted_are_deleted_and_pinned_ones_kept()
    {
        using StateDatabase state = StateDatabase.Open(_stateDirectory);
        Tuner(state, "base-a").Fit(Windows(30, 1)); // entries for sample ids 1..30, before any window is stored
        var samples = new SampleStore(state, capacity: 10);
        for (int i = 1; i <= 5; i++) Assert.Equal(i, samples.Add(new float[12], ts: i * 1000));
        Assert.Equal(1, await samples.LabelAsync(5000, 5000, "normal")); // window 5 is pinned
        for (int i = 6; i <= 30; i++) samples.Add(new float[12], ts: i * 1000);
        await samples.FlushAsync(); // the ring keeps 21..30 and the pinned 5
        LiteDB.ILiteCollection<CacheDocument> entries = state.Database.GetCollection<CacheDocument>(LiteDbForwardCacheStore.CollectionName);
        Assert.Equal(30, entries.Count());

        FineTuner refit = Tuner(state, "base-a"); // opening the scope prunes it
        Assert.Equal([5, .. Enumerable.Range(21, 10)], entries.FindAll().Select(e => (int)e.Sample).Order().ToArray());
        refit.Fit(Windows(30, 1));
        Assert.Equal(19, refit.BaseForwardSamples); // 1..4 and 6..20 were forwarded again

        samples.Add(new float[12], ts: 31_000);
        await samples.FlushAsync(); // 21 leaves the ring
        await new LiteDbForwardCacheStore(state).PruneAsync(new HashSet<string> { "base-a" });
        Assert.DoesNotContain(entries.FindAll(), e => e.Sample is > 5 and < 22);
        Assert.Contains(entries.FindAll(), e => e.Sample == 5);
    }

    [Fact]
    public async Task A_failed_write_is_rolled_back_and_the_writer_keeps_working()
    {
        using StateDatabase state = StateDatabase.Open(_stateDirectory);
        Task failing = state.WriteAsync(db =>
        {
            db.GetCollection("things").Insert(new LiteDB.BsonDocument { ["_id"] = 1 });
            throw new InvalidOperationException("boom");
        });
        await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        state.Write(db => db.GetCollection("things").Insert(new LiteDB.BsonDocument { ["_id"] = 2 }));
        Assert.Equal([2], state.Database.GetCollection("things").FindAll().Select(d => d["_id"].AsInt32).ToArray());
    }
}
