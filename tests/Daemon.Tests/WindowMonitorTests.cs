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
}
