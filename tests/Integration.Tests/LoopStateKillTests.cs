using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Storage;
using SensorOdl.Integration.Tests.Infrastructure;
using SensorOdl.TestSupport;

namespace SensorOdl.Integration.Tests;

/// <summary>
/// The adaptation loop's state under kill -9 (docs/RELIABILITY.md §1): a real daemon adapts to a room its base never saw,
/// is killed with SIGKILL a moment after the promotion, and its state directory holds the new version's probation, its
/// refine watch and its drift episode — what the restarted daemon goes on with (LoopStateRestartTests).
/// </summary>
public sealed class LoopStateKillTests : DaemonTest
{
    [Fact]
    public async Task A_promotions_probation_and_refine_watch_are_on_the_disk_a_moment_after_it()
    {
        string data = RepoPaths.DataSet("cooling-fan"), device = NewDevice("loopkill"), state = NewStateDir(device);
        await TrainQuietRoomBaseAsync(state);

        (DaemonProcess daemon, MqttProbe probe) = await StartMonitoringAsync(device, state,
            ["Sensor:Kind=replay", $"Sensor:Replay:Data={data}", "Sensor:Replay:Speed=50", "Sensor:Replay:Loop=true", "Sensor:Replay:Filter=env=noisy,state=normal"]);
        Received promoted = await WaitEventAsync(probe, device, e => (string?)e["type"] == "model_promoted", "model_promoted", seconds: 120);
        int version = (int)promoted.Json["version"]!;
        int mark = probe.Mark;
        await Task.Delay(TimeSpan.FromSeconds(2)); // ~50 windows at 50× the recording's pace: the loop's new shape is synced after the first
        await daemon.KillAsync();
        Check(!Events(probe, device, mark).Any(e => (string?)e["type"] == "model_rolled_back"), "no rollback before the kill");

        using StateDatabase reopened = StateDatabase.Open(state);
        AdaptationLoopState loop = new AdaptationLoopStore(reopened).Load() ?? throw new InvalidOperationException("no adaptation loop state after the kill");
        Check(loop.Version == version, $"the loop state is of version {loop.Version}, version {version} was promoted");
        Check(loop.Probation?.Version == version && loop.Probation.PreviousVersion == 1, $"the probation of version {version} against version 1 is kept: {loop.Probation}");
        Check(loop.Watch?.Version == version, $"the refine watch of version {version} is kept: {loop.Watch}");
        Check(loop.EpisodeStartS is not null, "the drift episode is kept");
    }
}
