using LiteDB;
using SensorOdl.Daemon.Storage;

namespace SensorOdl.Daemon.Tests;

/// <summary>The sample ring's eviction: the oldest unlabelled windows leave, labelled ones stay.</summary>
public sealed class SampleStoreEvictionTests : IDisposable
{
    readonly string _state = Directory.CreateTempSubdirectory("sensorodl-samples-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    static long[] AddWindows(SampleStore samples, int n, long firstTs) =>
        [.. Enumerable.Range(0, n).Select(i => samples.Add([i, i + 0.5f, -i], firstTs + i * 1000L))];

    [Fact]
    public async Task The_ring_keeps_the_newest_unlabelled_windows_and_every_labelled_one()
    {
        using StateDatabase state = StateDatabase.Open(_state);
        var samples = new SampleStore(state, capacity: 100);
        long[] first = AddWindows(samples, 50, firstTs: 0);
        Assert.Equal(10, await samples.LabelAsync(10_000, 19_000, "fault")); // windows 10..19 pinned
        long[] later = AddWindows(samples, 200, firstTs: 100_000);
        samples.Flush();

        ILiteCollection<SampleRecord> stored = state.Database.GetCollection<SampleRecord>(SampleStore.CollectionName);
        long[] ids = [.. stored.FindAll().Select(s => s.Id).Order()];
        Assert.Equal([.. first.Skip(10).Take(10), .. later.Skip(100)], ids);
        Assert.Equal(100, stored.Count(s => s.Label == null));
        Assert.Equal(10, samples.Labelled("fault").Count);
        Assert.Equal(later[^1], samples.Newest(1).Single().Id);
        Assert.Equal([199f, 199.5f, -199f], samples.Newest(1).Single().Vector());
    }
}
