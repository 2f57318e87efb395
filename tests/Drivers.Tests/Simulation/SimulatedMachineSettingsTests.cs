using Microsoft.Extensions.Configuration;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Simulation;

namespace SensorOdl.Drivers.Tests.Simulation;

/// <summary><c>Sensor:Simulation</c>: the named drift and fault and the numbers that override them reach the machine.</summary>
public class SimulatedMachineSettingsTests
{
    private static SensorSettings Bind(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build()
            .GetSection("Sensor")
            .Get<SensorSettings>() ?? new SensorSettings();

    private static SimulatedMachine Machine(SensorSettings settings)
    {
        using var sensor = (SimulatedMachineSensor)SensorFactory.Create(settings);
        return sensor.Machine;
    }

    [Fact]
    public void Unset_the_machine_is_the_default_one()
    {
        var settings = new SensorSettings();
        SimulatedMachine machine = Machine(settings);

        Assert.Equal(MachineCondition.Default, machine.Condition);
        Assert.Equal(MachineFaults.None, machine.Faults);
        Assert.Equal(new Dictionary<string, object?> { ["drift"] = "none", ["fault"] = "none" }, settings.Simulation.ManifestFields());
    }

    [Fact]
    public void Named_drift_and_fault_bind_in_any_case_and_reach_the_machine()
    {
        var settings = Bind(("Sensor:Simulation:Drift", "Mounting"), ("Sensor:Simulation:Fault", "outer"));
        SimulatedMachine machine = Machine(settings);

        Assert.Equal(new MachineCondition(MountingGain: 1.8, ResonanceHz: 2200, NoiseG: 0.04), machine.Condition);
        Assert.Equal(new MachineFaults(OuterRace: MachineScenarios.FaultSeverity), machine.Faults);
        Assert.Empty(settings.Problems());
    }

    [Theory]
    [InlineData(DriftKind.Speed, FaultKind.Imbalance)]
    [InlineData(DriftKind.Load, FaultKind.Inner)]
    [InlineData(DriftKind.Noise, FaultKind.None)]
    public void Every_name_is_a_row_of_the_one_table(DriftKind drift, FaultKind fault)
    {
        var settings = new SensorSettings { Simulation = new SimulatedMachineSettings { Drift = drift, Fault = fault } };
        SimulatedMachine machine = Machine(settings);

        Assert.Equal(MachineScenarios.Condition(drift), machine.Condition);
        Assert.Equal(MachineScenarios.Faults(fault), machine.Faults);
        Assert.NotEqual(MachineCondition.Default, machine.Condition);
    }

    [Fact]
    public void Numbers_override_single_values_of_the_names_and_are_written_to_the_manifest()
    {
        var settings = Bind(
            ("Sensor:Simulation:Drift", "speed"), ("Sensor:Simulation:ShaftHz", "35"), ("Sensor:Simulation:NoiseG", "0.03"),
            ("Sensor:Simulation:Fault", "inner"), ("Sensor:Simulation:InnerRace", "0.2"), ("Sensor:Simulation:Imbalance", "0.1"));
        SimulatedMachine machine = Machine(settings);

        Assert.Equal(new MachineCondition(ShaftHz: 35, NoiseG: 0.03), machine.Condition);
        Assert.Equal(new MachineFaults(Imbalance: 0.1, InnerRace: 0.2), machine.Faults);
        Assert.Equal(new Dictionary<string, object?>
        {
            ["drift"] = "speed", ["fault"] = "inner", ["shaftHz"] = 35.0, ["noiseG"] = 0.03, ["imbalance"] = 0.1, ["innerRace"] = 0.2,
        }, settings.Simulation.ManifestFields());
    }

    [Fact]
    public void Every_override_key_binds()
    {
        var simulation = Bind(
            ("Sensor:Simulation:ShaftHz", "20"), ("Sensor:Simulation:Load", "0.5"), ("Sensor:Simulation:MountingGain", "2"),
            ("Sensor:Simulation:ResonanceHz", "2500"), ("Sensor:Simulation:NoiseG", "0.01"), ("Sensor:Simulation:Imbalance", "0.3"),
            ("Sensor:Simulation:OuterRace", "0.4"), ("Sensor:Simulation:InnerRace", "0.6")).Simulation;

        Assert.Equal(new MachineCondition(20, 0.5, 2, 2500, 0.01), simulation.Condition());
        Assert.Equal(new MachineFaults(0.3, 0.4, 0.6), simulation.Faults());
    }

    [Fact]
    public void Values_that_cannot_work_are_named_by_their_key()
    {
        var settings = new SensorSettings
        {
            Simulation = new SimulatedMachineSettings
            {
                Drift = (DriftKind)9, Fault = (FaultKind)7, ShaftHz = -1, Load = 1.5, MountingGain = 0, ResonanceHz = double.NaN,
                NoiseG = double.PositiveInfinity, Imbalance = -0.1, OuterRace = 2, InnerRace = 1.01,
            },
        };

        Assert.Equal(
        [
            "Sensor:Simulation:Drift: '9' is not one of none, speed, load, mounting, noise.",
            "Sensor:Simulation:Fault: '7' is not one of none, imbalance, outer, inner.",
            "Sensor:Simulation:ShaftHz: must be 0 or more, not -1.",
            "Sensor:Simulation:Load: must be from 0 to 1, not 1.5.",
            "Sensor:Simulation:MountingGain: must be more than 0, not 0.",
            "Sensor:Simulation:ResonanceHz: must be more than 0, not NaN.",
            "Sensor:Simulation:NoiseG: must be 0 or more, not Infinity.",
            "Sensor:Simulation:Imbalance: must be from 0 to 1, not -0.1.",
            "Sensor:Simulation:OuterRace: must be from 0 to 1, not 2.",
            "Sensor:Simulation:InnerRace: must be from 0 to 1, not 1.01.",
        ], settings.Problems());
        Assert.Throws<ArgumentException>(() => SensorFactory.Create(settings));
    }
}
