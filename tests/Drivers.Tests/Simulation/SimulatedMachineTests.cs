using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Simulation;
using SensorOdl.Drivers.Tests.Support;

namespace SensorOdl.Drivers.Tests.Simulation;

public class SimulatedMachineTests
{
    private const double Fs = 12_000;

    private static float[] Run(SimulatedMachine machine, int n)
    {
        var x = new float[n];
        machine.Generate(x);
        return x;
    }

    /// <summary>Frequency of the largest line between lowHz and highHz in the spectrum of x (or of its envelope x²).</summary>
    private static double LargestLine(float[] x, double lowHz, double highHz, bool envelope = false)
    {
        var signal = envelope ? x.Select(v => v * v).ToArray() : x;
        var extractor = new FeatureExtractor(new FeatureSettings(Fs, WindowSize: signal.Length, BandCount: 4));
        extractor.Extract(signal, new float[extractor.FeatureCount]);
        var a = extractor.Amplitudes;
        int lo = (int)Math.Ceiling(lowHz / extractor.BinHz), hi = (int)(highHz / extractor.BinHz), best = lo;
        for (int k = lo; k <= hi; k++) if (a[k] > a[best]) best = k;
        return best * extractor.BinHz;
    }

    [Fact]
    public void A_window_is_stamped_from_the_first_read_not_from_when_the_sensor_was_built()
    {
        var pacer = new FakePacer();
        using var sensor = new SimulatedMachineSensor(new SimulationSettings(12_000, 1024, Seed: 1, Speed: 1), pacer);
        pacer.Advance(TimeSpan.FromSeconds(30)); // the daemon connects and trains its first base meanwhile
        double firstReadS = pacer.Fake.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        SensorFrame frame = sensor.CreateFrame();
        sensor.Read(frame);
        Assert.InRange(frame.TimestampS, firstReadS, firstReadS + 0.2);
    }

    [Fact]
    public void Simulated_machine_is_deterministic_by_seed()
    {
        var a = Run(new SimulatedMachine(Fs, seed: 42, faults: new MachineFaults(OuterRace: 0.5)), 4096);
        var b = Run(new SimulatedMachine(Fs, seed: 42, faults: new MachineFaults(OuterRace: 0.5)), 4096);
        var c = Run(new SimulatedMachine(Fs, seed: 43, faults: new MachineFaults(OuterRace: 0.5)), 4096);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Simulated_machine_runs_at_its_shaft_frequency_and_follows_a_speed_change()
    {
        var machine = new SimulatedMachine(Fs, condition: new MachineCondition(NoiseG: 0.005));
        Assert.Equal(29.95, LargestLine(Run(machine, 16384), 5, 500), 1.0);

        machine.SetCondition(machine.Condition with { ShaftHz = 40 });
        Assert.Equal(40, LargestLine(Run(machine, 16384), 5, 500), 1.0);
    }

    [Fact]
    public void Simulated_machine_with_imbalance_has_a_stronger_once_per_revolution_line()
    {
        var healthy = WindowStatistics.Of(Run(new SimulatedMachine(Fs, condition: new MachineCondition(NoiseG: 0)), 12_000));
        var machine = new SimulatedMachine(Fs, condition: new MachineCondition(NoiseG: 0));
        machine.InjectFaults(new MachineFaults(Imbalance: 1));
        var unbalanced = WindowStatistics.Of(Run(machine, 12_000));
        Assert.True(unbalanced.Rms > 4 * healthy.Rms, $"{unbalanced.Rms} vs {healthy.Rms}");
    }

    [Fact]
    public void Simulated_machine_outer_race_fault_is_impulsive_at_BPFO()
    {
        var machine = new SimulatedMachine(Fs, faults: new MachineFaults(OuterRace: 0.6));
        var x = Run(machine, 32768);

        Assert.True(WindowStatistics.Of(x).Kurtosis > 5);
        Assert.Equal(29.95 * 3.5848, LargestLine(x, 50, 300, envelope: true), 1.0);
    }

    [Fact]
    public void Simulated_machine_inner_race_fault_is_impulsive_at_BPFI()
    {
        var machine = new SimulatedMachine(Fs, faults: new MachineFaults(InnerRace: 0.8));
        var x = Run(machine, 32768);

        Assert.True(WindowStatistics.Of(x).Kurtosis > 4);
        Assert.Equal(29.95 * 5.4152, LargestLine(x, 120, 300, envelope: true), 1.0);
    }

    [Fact]
    public void Simulated_machine_healthy_is_gaussian_like_and_mounting_drift_moves_the_level()
    {
        var machine = new SimulatedMachine(Fs, seed: 3);
        var before = WindowStatistics.Of(Run(machine, 24_000));
        Assert.InRange(before.Kurtosis, 1.5, 3.5);

        machine.SetCondition(machine.Condition with { MountingGain = 2, Load = 1 });
        var after = WindowStatistics.Of(Run(machine, 24_000));
        Assert.True(after.Rms > 1.6 * before.Rms);
    }

    [Fact]
    public void Simulated_machine_sensor_paces_windows_in_real_time_and_allocates_nothing()
    {
        var pacer = new FakePacer();
        using var sensor = new SimulatedMachineSensor(new SimulationSettings(Fs, 1200, Seed: 1, Speed: 1), pacer);
        var frame = sensor.CreateFrame();
        for (int i = 0; i < 4; i++) sensor.Read(frame); // warm up (tiered JIT)
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 6; i++) sensor.Read(frame);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(1.0, pacer.Elapsed.TotalSeconds, 6); // 10 windows of 0.1 s
        Assert.Equal(0.9, frame.RecordingTimeS, 9);
        Assert.Equal(9, frame.Sequence);
        Assert.Equal("g", sensor.Format.Units[0]);
    }

    [Fact]
    public void Simulated_machine_sensor_at_speed_zero_never_waits()
    {
        var pacer = new FakePacer();
        using var sensor = new SimulatedMachineSensor(new SimulationSettings(Speed: 0), pacer);
        var frame = sensor.CreateFrame();
        for (int i = 0; i < 20; i++) sensor.Read(frame);
        Assert.Equal(TimeSpan.Zero, pacer.Elapsed);
    }

    [Fact]
    public void Simulated_machine_refuses_out_of_range_conditions()
    {
        var machine = new SimulatedMachine(Fs);
        Assert.Throws<ArgumentException>(() => machine.SetCondition(new MachineCondition(Load: 2)));
        Assert.Throws<ArgumentException>(() => machine.InjectFaults(new MachineFaults(OuterRace: -1)));
    }
}
