using SensorOdl.Daemon.Training;
using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Simulation;
using SensorOdl.Integration.Tests.Infrastructure;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.Models;

namespace SensorOdl.Integration.Tests;

/// <summary>
/// One mosquitto and one real daemon for `fleet deploy-base` (the shared signed setup: the imported base of the simulated
/// machine, 3× speed, adaptation off), with a short probation (`Adaptation:ProbationMinutes=0.25`, 15 s of data: a
/// trigger-happy model reaches the 10 flagged windows it needs in about a second, a sound one stays far below them), and
/// three base model files trained here by the daemon's own base training (as `train --model-out` writes them):
/// <see cref="GoodModel"/> for the simulated machine at the default false-alarm budget, <see cref="TriggerHappyModel"/>
/// at a budget of 0.45 (its threshold is the 55th percentile of normal scores: it flags about half of the normal
/// windows), <see cref="OtherFeaturesModel"/> for 512-sample windows (the device's sensor gives 1024).
/// </summary>
public sealed class DeployFixture() : SignedDaemonsFixture("deploy", "deploy-integration-key")
{
    public string Device { get; } = $"it-deploy-{Guid.NewGuid().ToString("N")[..6]}";
    public string GoodModel => Path.Combine(Root, "good.sodl");
    public string TriggerHappyModel => Path.Combine(Root, "trigger-happy.sodl");
    public string OtherFeaturesModel => Path.Combine(Root, "other-features.sodl");

    public override async Task InitializeAsync()
    {
        await StartBrokerAsync($"{Prefix}/+/status", $"{Prefix}/+/model", $"{Prefix}/+/events");
        StartDaemon(Device, "Adaptation:ProbationMinutes=0.25", "Mqtt:TelemetryIntervalSeconds=0");
        Task models = Task.Run(() =>
        {
            Write(GoodModel, windowSize: 1024, seed: 21, budget: 0.01, windows: 400);
            Write(TriggerHappyModel, windowSize: 1024, seed: 22, budget: 0.45, windows: 200);
            Write(OtherFeaturesModel, windowSize: 512, seed: 23, budget: 0.01, windows: 100);
        });
        await WaitUntilMonitoringAsync(Device);
        await models;
    }

    static void Write(string path, int windowSize, int seed, double budget, int windows)
    {
        using var machine = new SimulatedMachineSensor(new SimulationSettings(12_000, windowSize, Seed: seed, Speed: 0));
        AnomalyModel model = BaseModelTraining.ForSimulatedMachine(new FeatureTransform(machine.Format), seed, budget, windows);
        File.WriteAllBytes(path, ModelFile.Serialize(AnomalyModelDocuments.Base(model)));
    }

    /// <summary>`sensorodl fleet …` through the command-line entry point in this process, signed, against this broker.</summary>
    public Task<CliRun> FleetAsync(params string[] arguments) => FleetFixture.RunAsync(["fleet", .. arguments, "--broker", Broker.Uri, "--key-file", KeyFile]);
}
