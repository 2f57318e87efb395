using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Host;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Simulation;

namespace SensorOdl.Daemon.Tests;

public sealed class WindowMonitorTests : IDisposable
{
    readonly string _state = Directory.CreateTempSubdirectory("sensorodl-monitor-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    [Fact]
    public void A_window_holding_NaN_is_not_scored_and_status_says_so_while_good_windows_are_scored()
    {
        var settings = new DaemonSettings();
        using var machine = new SimulatedMachineSensor(new SimulationSettings(12_000, 1024, Seed: 3, Speed: 0));
        var transform = new FeatureTransform(machine.Format);
        using StateDatabase state = StateDatabase.Open(_state);
        var status = new DaemonStatus("t", "simulated");
        var events = new EventRecorder();
        var monitor = new WindowMonitor(settings, transform, ModelSelection.TrainForSimulation(settings, transform, windows: 200),
            new SampleStore(state, 100), events, status);
        SensorFrame frame = machine.CreateFrame();

        machine.Read(frame);
        Assert.True(monitor.Process(frame).Scored);
        machine.Read(frame);
        frame.ChannelBuffer(0)[10] = float.NaN;
        WindowResult bad = monitor.Process(frame);
        Assert.False(bad.Scored);
        Assert.Equal(1, monitor.WindowsScored);
        var sensor = status.ToJson(0)["sensor"]!;
        Assert.Equal(1, (long)sensor["skippedWindows"]!);
        Assert.Contains("NonFinite", (string)sensor["lastSkipReason"]!);
    }
}
