using SensorOdl.Daemon.Storage;

namespace SensorOdl.Daemon.Tests;

/// <summary>LiteDB folds its log into the data file every <see cref="StateDatabase.CheckpointPages"/> pages, so neither the log nor the page cache of it grows past that.</summary>
public sealed class StateCheckpointTests : IDisposable
{
    readonly string _state = Directory.CreateTempSubdirectory("sensorodl-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    [Fact]
    public void The_log_is_checkpointed_before_it_holds_much_more_than_CheckpointPages_pages()
    {
        long largestLog = 0;
        using (StateDatabase state = StateDatabase.Open(_state))
        {
            Assert.Equal(StateDatabase.CheckpointPages, state.Database.CheckpointSize);
            var samples = new SampleStore(state, capacity: 2000);
            var window = new float[64];
            for (int i = 0; i < 8000; i++)
            {
                window[0] = i;
                samples.Add(window, i * 1000L);
                if (i % 500 == 0)
                {
                    samples.Flush();
                    largestLog = Math.Max(largestLog, new FileInfo(Path.Combine(_state, StateDatabase.LogFileName)).Length);
                }
            }
            samples.Flush();
            Assert.Equal(2000, samples.CountSince(long.MinValue));
        }
        // 8,000 windows with the ring evicting write several MB of pages; LiteDB's default (1,000 pages) would let the log reach them all.
        Assert.InRange(largestLog, 1, 150 * 8192 + 64 * 1024); // 100 pages, and what a transaction adds before the checkpoint after it
        using (StateDatabase reopened = StateDatabase.Open(_state))
            Assert.Equal(StateDatabase.CheckpointPages, reopened.Database.CheckpointSize);
    }
}
