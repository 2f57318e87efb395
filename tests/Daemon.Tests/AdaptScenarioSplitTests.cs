using SensorOdl.Daemon.Evaluation;
using SensorOdl.Drivers.Recordings;
using SensorOdl.TestSupport;

namespace SensorOdl.Daemon.Tests;

/// <summary>adapt-eval's split of the target's normal frames: both halves must hold recording starts, or the false-alarm rate misses them.</summary>
public sealed class AdaptScenarioSplitTests
{
    [Fact]
    public void Streamed_and_held_back_blocks_alternate_and_each_half_holds_recording_starts()
    {
        List<RecordedFrame> target = AdaptScenario.Frames(RepoPaths.DataSet("cooling-fan"), "env=silentA,state=normal", 1024).Frames;
        (List<RecordedFrame> streamed, List<RecordedFrame> heldBack) = AdaptScenario.Split(target);

        Assert.Equal(target.Count, streamed.Count + heldBack.Count);
        Assert.Empty(streamed.Select(Key).Intersect(heldBack.Select(Key)));
        string[] recordings = [.. target.Select(f => f.Entry.File).Distinct()];
        Assert.True(recordings.Length >= 4, string.Join(", ", recordings));
        // Recording starts: the 1st, 3rd, … recording's first block streams, the 2nd, 4th, …'s is held back.
        string[] startsStreamed = [.. streamed.Where(f => f.FrameIndex == 0).Select(f => f.Entry.File)];
        string[] startsHeld = [.. heldBack.Where(f => f.FrameIndex == 0).Select(f => f.Entry.File)];
        Assert.Equal(recordings.Where((_, i) => i % 2 == 0), startsStreamed);
        Assert.Equal(recordings.Where((_, i) => i % 2 == 1), startsHeld);
        // Within a recording, 20-frame blocks alternate.
        foreach (RecordedFrame f in heldBack.Where(f => f.Entry.File == recordings[0]))
            Assert.Equal(1, f.FrameIndex / 20 % 2);
        Assert.InRange(heldBack.Count / (double)target.Count, 0.45, 0.55);
    }

    static (string, int) Key(RecordedFrame f) => (f.Entry.File, f.FrameIndex);
}
