using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Host;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Simulation;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Tests;

/// <summary>Adaptation:Mode on the daemon's own monitor and coordinator, driven by the simulated machine.</summary>
public sealed class AdaptationModeTests : IDisposable
{
    readonly string _state = Directory.CreateTempSubdirectory("sensorodl-modes-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    sealed record Rig(SimulatedMachineSensor Machine, WindowMonitor Monitor, AdaptationCoordinator Coordinator, EventRecorder Events, StateDatabase State) : IDisposable
    {
        public void Stream(int windows)
        {
            SensorFrame frame = Machine.CreateFrame();
            for (int i = 0; i < windows; i++)
            {
                Machine.Read(frame);
                Monitor.Process(frame);
            }
        }

        public IReadOnlyList<string> Types => [.. Events.Events.Select(e => e.Type)];

        public void Dispose()
        {
            State.Dispose();
            Machine.Dispose();
        }
    }

    Rig Build(string mode)
    {
        var settings = new DaemonSettings();
        settings.Adaptation.Mode = mode;
        settings.Storage.SampleIntervalSeconds = 0;
        var machine = new SimulatedMachineSensor(new SimulationSettings(12_000, 1024, Seed: 5, Speed: 0));
        var transform = new FeatureTransform(machine.Format);
        StateDatabase state = StateDatabase.Open(Path.Combine(_state, mode));
        var registry = new ModelRegistry(state, Path.Combine(_state, mode));
        AnomalyModel model = ModelSelection.TrainForSimulation(settings, transform, windows: 300);
        registry.AddBase(model, "test", 300);
        var samples = new SampleStore(state, settings.Storage.SampleCapacity);
        var events = new EventRecorder();
        var status = new DaemonStatus("t", "simulated");
        var monitor = new WindowMonitor(settings, transform, model, samples, events, status);
        var coordinator = new AdaptationCoordinator(settings, registry, samples, events, status, new LiteDbForwardCacheStore(state), monitor) { RunInline = true };
        machine.Machine.SetCondition(machine.Machine.Condition with { MountingGain = 1.8, ResonanceHz = 2200, NoiseG = 0.04 });
        return new Rig(machine, monitor, coordinator, events, state);
    }

    [Fact]
    public void Auto_adapts_on_drift_by_itself()
    {
        using Rig rig = Build("auto");
        rig.Stream(400);
        Assert.Contains("drift_detected", rig.Types);
        Assert.Contains("model_promoted", rig.Types);
    }

    [Fact]
    public void Confirm_reports_drift_and_waits_for_a_retrain_command()
    {
        using Rig rig = Build("confirm");
        rig.Stream(400);
        Assert.Contains("drift_detected", rig.Types);
        Assert.DoesNotContain("training_started", rig.Types);

        (string? job, RetrainRefusal refusal) = rig.Coordinator.RequestRetrain(null, null, null, dataS: 1e6);
        Assert.Equal(RetrainRefusal.None, refusal);
        Assert.NotNull(job);
        Assert.Contains("training_started", rig.Types);
        Assert.Contains(rig.Types, t => t is "model_promoted" or "model_rejected");
        // At most one retrain per Adaptation:MinIntervalMinutes of the data's clock.
        Assert.Equal(RetrainRefusal.RateLimited, rig.Coordinator.RequestRetrain(null, null, null, dataS: 1e6 + 60).Refusal);
    }

    [Fact]
    public void Off_never_adapts()
    {
        using Rig rig = Build("off");
        rig.Stream(400);
        Assert.Contains("drift_detected", rig.Types);
        Assert.DoesNotContain("training_started", rig.Types);
    }
}
