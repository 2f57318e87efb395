using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;

namespace SensorOdl.Daemon.Tests;

public sealed class WindowMonitorTests : IDisposable
{
    readonly string _state = Directory.CreateTempSubdirectory("sensorodl-monitor-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    [Fact]
    public void A_window_holding_NaN_is_not_scored_and_status_says_so_while_good_windows_are_scored()
    {
        using SimulatedPipeline rig = SimulatedPipeline.Start(_state, new DaemonSettings(), seed: 3, trainingWindows: 200);

        Assert.True(rig.Next().Scored);
        WindowResult bad = rig.Next(frame => frame.ChannelBuffer(0)[10] = float.NaN);
        Assert.False(bad.Scored);
        Assert.Equal(1, rig.Pipeline.Monitor.WindowsScored);
        var sensor = rig.Pipeline.Status.ToJson(0)["sensor"]!;
        Assert.Equal(1, (long)sensor["skippedWindows"]!);
        Assert.Contains("NonFinite", (string)sensor["lastSkipReason"]!);
    }

    [Fact]
    public void Windows_keep_entering_the_sample_store_after_the_clock_is_set_back_a_year()
    {
        var settings = new DaemonSettings { Storage = new() { SampleIntervalSeconds = 1 } };
        using SimulatedPipeline rig = SimulatedPipeline.Start(_state, settings, seed: 3, trainingWindows: 64);
        double yearS = TimeSpan.FromDays(365).TotalSeconds;
        var stored = new List<long>();
        for (int i = 0; i < 40; i++)
        {
            double shift = i < 20 ? 0 : -yearS; // a re-anchoring of the data clock after NTP, half way
            stored.Add(rig.Next(frame => frame.TimestampS += shift).SampleId);
        }

        Assert.Contains(stored.Skip(20), id => id >= 0);
        Assert.True(stored.Skip(20).Count(id => id >= 0) >= stored.Take(20).Count(id => id >= 0) - 1);
    }
}
