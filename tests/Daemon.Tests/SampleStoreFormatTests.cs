using System.Runtime.InteropServices;
using LiteDB;
using SensorOdl.Daemon.Storage;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// The sample documents' format: probes inside the window's document as float16 differences from its features
/// (<see cref="SampleProbeCodec"/>), and release 1's layout (a <c>sample_probes</c> collection of float32 bytes, a Ts
/// index) moved into it when the store opens.
/// </summary>
public sealed class SampleStoreFormatTests : IDisposable
{
    readonly string _state = Directory.CreateTempSubdirectory("sensorodl-sampleformat-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    /// <summary>A window of features of very different scales and its three probes, each perturbing a few features.</summary>
    static (float[] Features, float[] Probes) Window(Random random, int d = 21, int k = 3)
    {
        float[] features = [.. Enumerable.Range(0, d).Select(j => (float)((j % 3 == 0 ? 1000 : j % 3 == 1 ? 1 : 1e-3) * (1 + random.NextDouble())))];
        var probes = new float[k * d];
        for (int p = 0; p < k; p++)
            for (int j = 0; j < d; j++)
                probes[p * d + j] = features[j] * (random.NextDouble() < 0.3 ? (float)(0.5 + 2 * random.NextDouble()) : 1f);
        return (features, probes);
    }

    static void AssertClose(float[] expected, float[] actual, float[] features)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double delta = Math.Abs(expected[i] - features[i % features.Length]);
            // float16 keeps 11 significant bits of the difference; the sum with the feature rounds once more in float32
            double bound = delta / 1024 + Math.Abs(expected[i]) * 1e-7 + 1e-7;
            Assert.True(Math.Abs(expected[i] - actual[i]) <= bound, $"value {i}: {actual[i]} for {expected[i]} (window feature {features[i % features.Length]})");
        }
    }

    [Fact]
    public void Probes_round_trip_as_float16_differences_and_unchanged_values_exactly()
    {
        var random = new Random(5);
        for (int trial = 0; trial < 50; trial++)
        {
            (float[] features, float[] probes) = Window(random);
            byte[] encoded = SampleProbeCodec.Encode(probes, features);
            Assert.Equal(SampleProbeCodec.HalfDeltas, encoded[0]);
            Assert.Equal(1 + 2 * probes.Length, encoded.Length); // half the bytes of release 1's float32 values
            float[] decoded = SampleProbeCodec.Decode(encoded, features);
            AssertClose(probes, decoded, features);
            for (int i = 0; i < probes.Length; i++)
                if (probes[i] == features[i % features.Length]) Assert.Equal(probes[i], decoded[i]);
        }
    }

    [Fact]
    public void A_difference_too_large_for_float16_is_stored_as_float32_values()
    {
        float[] features = [1, 2, 3];
        float[] probes = [1, 2, 3, 1e6f, 2, 3];
        byte[] encoded = SampleProbeCodec.Encode(probes, features);
        Assert.Equal(SampleProbeCodec.Raw, encoded[0]);
        Assert.Equal(probes, SampleProbeCodec.Decode(encoded, features));
    }

    [Fact]
    public void An_unknown_encoding_is_a_clear_error()
    {
        var error = Assert.Throws<FormatException>(() => SampleProbeCodec.Decode([9, 0, 0], [1f]));
        Assert.Contains("encoding 9", error.Message);
    }

    [Fact]
    public async Task Release_one_probes_move_into_the_sample_documents_and_the_time_index_goes()
    {
        var random = new Random(8);
        var windows = Enumerable.Range(1, 40).Select(i => (Id: (long)i, Window: Window(random))).ToList();
        using (StateDatabase old = StateDatabase.Open(_state))
        {
            // Release 1's writes, as its SampleStore made them: BsonMapper documents, probes apart, a Ts index.
            old.Write(db =>
            {
                ILiteCollection<SampleRecord> samples = db.GetCollection<SampleRecord>(SampleStore.CollectionName);
                samples.EnsureIndex(s => s.Ts);
                samples.InsertBulk(windows.Select(w => new SampleRecord
                {
                    Id = w.Id, Ts = w.Id * 1000, Features = MemoryMarshal.AsBytes(w.Window.Features.AsSpan()).ToArray(), Label = w.Id == 3 ? "fault" : null,
                }));
                db.GetCollection<SampleProbesRecord>(SampleStore.ProbesCollection).InsertBulk(windows.Where(w => w.Id % 2 == 0).Select(w =>
                    new SampleProbesRecord { Id = w.Id, Probes = MemoryMarshal.AsBytes(w.Window.Probes.AsSpan()).ToArray() }));
                db.GetCollection<Counter>(SampleStore.CountersCollection).Upsert(new Counter { Name = "sample", Next = 1000 });
            }, durable: true);
        }

        using StateDatabase state = StateDatabase.Open(_state);
        var store = new SampleStore(state, capacity: 100);
        Assert.Equal(0, state.Database.GetCollection(SampleStore.ProbesCollection).Count());
        Assert.DoesNotContain(state.Database.GetCollection("$indexes").FindAll(), i => i["collection"] == SampleStore.CollectionName && i["name"] == "Ts");
        IReadOnlyList<float[]?> probes = store.ProbesOf([.. windows.Select(w => w.Id)]);
        foreach (((long id, (float[] features, float[] expected)), float[]? stored) in windows.Zip(probes))
            if (id % 2 == 0) AssertClose(expected, stored!, features);
            else Assert.Null(stored);

        // The store goes on as before: the labelled window stays pinned, times select, new windows carry their probes.
        Assert.Equal(3, store.Labelled("fault").Single().Id);
        Assert.Equal(windows[^1].Window.Features, store.Newest(1).Single().Vector());
        Assert.Equal(11, store.CountSince(30_000));
        Assert.Equal(2, await store.LabelAsync(5_000, 6_000, "normal"));
        (float[] newFeatures, float[] newProbes) = Window(random);
        long added = store.Add(newFeatures, 50_000, newProbes);
        Assert.Equal(1000, added);
        AssertClose(newProbes, store.ProbesOf([added]).Single()!, newFeatures);
        Assert.Equal(12, store.CountSince(30_000));
        Assert.Equal([5L, 6L, .. Enumerable.Range(7, 34).Select(i => (long)i), 1000L], store.Newest(100, 5_000).Select(s => s.Id));
    }

    [Fact]
    public void Ring_eviction_takes_a_window_and_its_probes_together()
    {
        using StateDatabase state = StateDatabase.Open(_state);
        var store = new SampleStore(state, capacity: 30);
        var random = new Random(9);
        long[] ids = [.. Enumerable.Range(0, 100).Select(i => { (float[] f, float[] p) = Window(random); return store.Add(f, i * 1000L, p); })];
        store.Flush();
        ILiteCollection<BsonDocument> samples = state.Database.GetCollection(SampleStore.CollectionName);
        Assert.Equal(30, samples.Count());
        Assert.Equal(30, samples.Count("$.Probes != null"));
        Assert.Equal(ids[70..], samples.FindAll().Select(s => s["_id"].AsInt64).Order());
    }
}

/// <summary>Release 1's document of a window's probes ([k·d] float32 raw features) in <c>sample_probes</c>, as its BsonMapper wrote it.</summary>
public sealed class SampleProbesRecord
{
    [BsonId] public long Id { get; set; }
    public byte[] Probes { get; set; } = [];
}
