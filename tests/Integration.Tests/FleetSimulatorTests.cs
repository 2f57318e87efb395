using System.Text.Json.Nodes;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Fleet.Simulation;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Simulation;
using SensorOdl.Integration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SensorOdl.Integration.Tests;

/// <summary>
/// `fleet simulate` (docs/FLEET.md, "Scale"): five simulated devices in this process on a real mosquitto answer
/// `fleet status --all` and a `fleet retrain --all` that queues on the one training worker; stopping them says offline.
/// </summary>
public sealed class FleetSimulatorTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Five_simulated_devices_answer_fleet_status_all_and_a_retrain_of_all_of_them()
    {
        string work = Directory.CreateTempSubdirectory("sensorodl-fleetsim-it-").FullName;
        Broker broker = await Broker.StartNewAsync(work);
        string prefix = $"simit{Guid.NewGuid().ToString("N")[..6]}";
        var settings = new DaemonSettings
        {
            Mqtt = new MqttSettings { Uri = broker.Uri, TopicPrefix = prefix },
            Sensor = new SensorSettings { Simulation = new SimulatedMachineSettings { Drift = DriftKind.Mounting } }, // the base flags it: a retrain gets promoted
            Adaptation = new AdaptationSettings { Mode = AdaptationMode.Off, MinIntervalMinutes = 0 },
            Storage = new StorageSettings { SampleIntervalSeconds = 0 }, // every window stored: 16 windows are there at once
        };
        string[] connection = ["--broker", broker.Uri, $"--Mqtt:TopicPrefix={prefix}"];
        try
        {
            await using (FleetSimulator fleet = await FleetSimulator.StartAsync(new SimulatorOptions(5, "it-sim-", Speed: 3), settings, output.WriteLine, CancellationToken.None))
            {
                Assert.True(await fleet.WaitConnectedAsync(TimeSpan.FromSeconds(20), CancellationToken.None), $"{fleet.Connected} of 5 connected");
                await Eventually.WaitAsync(() => fleet.Devices.All(d => d.Pipeline.Stores.Samples.CountSince(long.MinValue) >= 16), TimeSpan.FromSeconds(20),
                    "every device stores 16 windows");

                CliRun status = await FleetFixture.RunAsync(["fleet", "status", "--all", "--json", "--quiet", "1", .. connection]);
                output.WriteLine(status.ToString());
                Assert.Equal(0, status.Code);
                Assert.Equal(5, status.Json["answered"]!.GetValue<int>());
                JsonObject[] rows = [.. status.Json["devices"]!.AsArray().OfType<JsonObject>()];
                Assert.Equal(["it-sim-1", "it-sim-2", "it-sim-3", "it-sim-4", "it-sim-5"], rows.Select(r => r["device"]!.GetValue<string>()).Order());
                Assert.All(rows, r => Assert.True(r["online"]!.GetValue<bool>()));
                Assert.All(rows, r => Assert.Equal(1, r["model"]!["version"]!.GetValue<int>()));

                CliRun retrain = await FleetFixture.RunAsync(["fleet", "retrain", "--all", "--samples", "16", "--epochs", "5", "--timeout", "60", "--json", .. connection]);
                output.WriteLine(retrain.ToString());
                Assert.True(retrain.Code == 0, retrain.ToString());
                JsonObject[] outcomes = [.. retrain.Json["devices"]!.AsArray().OfType<JsonObject>()];
                Assert.Equal(5, outcomes.Length);
                Assert.All(outcomes, o => Assert.Equal("promoted", o["outcome"]!.GetValue<string>()));
                Assert.Equal(5, fleet.TrainingCompleted); // the five fits ran on the one worker
                Assert.All(fleet.Devices, d => Assert.Equal(2, d.Status.Model!.Version));
            }

            // Stopped as the daemon stops: every device said offline on its availability topic.
            CliRun after = await FleetFixture.RunAsync(["fleet", "status", "--json", .. connection]);
            Assert.Equal(0, after.Code);
            Assert.All(after.Json["devices"]!.AsArray().OfType<JsonObject>(), r => Assert.False(r["online"]!.GetValue<bool>(), r.ToJsonString()));
        }
        finally
        {
            await broker.DisposeAsync();
            Directory.Delete(work, recursive: true);
        }
    }
}
