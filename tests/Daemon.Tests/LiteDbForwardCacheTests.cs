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
