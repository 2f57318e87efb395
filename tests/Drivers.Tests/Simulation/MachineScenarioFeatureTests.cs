using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Simulation;
using Xunit.Abstractions;

namespace SensorOdl.Drivers.Tests.Simulation;

/// <summary>
/// The named drifts and faults of <see cref="MachineScenarios"/>, configured as users do (<c>Sensor:Simulation</c>), must be
/// real changes in the window features: a drift moves the default machine, a fault moves each drift's own normal, by more
/// than normal windows reach (<see cref="NormalCloud"/>).
/// </summary>
public class MachineScenarioFeatureTests(ITestOutputHelper output)
{
    private const int Windows = 200;

    public static TheoryData<DriftKind> Drifts => [DriftKind.Speed, DriftKind.Load, DriftKind.Mounting, DriftKind.Noise];

    public static TheoryData<DriftKind, FaultKind> DriftsAndFaults()
    {
        var data = new TheoryData<DriftKind, FaultKind>();
        foreach (DriftKind drift in Enum.GetValues<DriftKind>())
            foreach (FaultKind fault in Enum.GetValues<FaultKind>().Where(f => f != FaultKind.None))
                data.Add(drift, fault);
        return data;
    }

    private static float[][] Take(DriftKind drift, FaultKind fault, int seed)
    {
        var settings = new SensorSettings { Seed = seed, Speed = 0, Simulation = new SimulatedMachineSettings { Drift = drift, Fault = fault } };
        using ISensor sensor = SensorFactory.Create(settings);
        var transform = new FeatureTransform(sensor.Format);
        SensorFrame frame = sensor.CreateFrame();
        var take = new float[Windows][];
        for (int w = 0; w < Windows; w++)
        {
            Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));
            take[w] = new float[transform.Size];
            Assert.True(transform.Extract(frame, take[w]).IsUsable());
        }
        return take;
    }

    private static NormalCloud Normal(DriftKind drift) => new(Take(drift, FaultKind.None, seed: 11), Take(drift, FaultKind.None, seed: 12));

    [Fact]
    public void Another_normal_take_stays_inside_the_normal_spread()
    {
        NormalCloud normal = Normal(DriftKind.None);
        float[][] take = Take(DriftKind.None, FaultKind.None, seed: 13);
        output.WriteLine($"none vs none: separation {normal.Separation(take):F2}, outside {normal.Outside(take):P0}, spread {normal.Spread:F1}");

        Assert.True(normal.Separation(take) < 0.2);
        Assert.True(normal.Outside(take) <= 0.05);
    }

    [Theory]
    [MemberData(nameof(Drifts))]
    public void Each_drift_moves_the_default_machine_outside_its_normal_spread(DriftKind drift)
    {
        NormalCloud normal = Normal(DriftKind.None);
        float[][] take = Take(drift, FaultKind.None, seed: 13);
        string numbers = $"{drift.ToConfigValue()} vs none: separation {normal.Separation(take):F2}, outside {normal.Outside(take):P0}";
        output.WriteLine(numbers);

        Assert.True(normal.Separation(take) > 1, numbers);
        Assert.True(normal.Outside(take) >= 0.9, numbers);
    }

    [Theory]
    [MemberData(nameof(DriftsAndFaults))]
    public void Each_fault_is_visible_against_the_normal_of_each_drift(DriftKind drift, FaultKind fault)
    {
        NormalCloud normal = Normal(drift);
        float[][] take = Take(drift, fault, seed: 13);
        string numbers = $"{fault.ToConfigValue()} vs none under drift {drift.ToConfigValue()}: separation {normal.Separation(take):F2}, outside {normal.Outside(take):P0}";
        output.WriteLine(numbers);

        Assert.True(normal.Separation(take) > 1, numbers);
        Assert.True(normal.Outside(take) >= 0.95, numbers);
    }
}
