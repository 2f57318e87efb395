using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Sensors.Mcp3008;
using SensorOdl.Drivers.Tests.Fakes;
using SensorOdl.Drivers.Tests.Support;

namespace SensorOdl.Drivers.Tests.Sensors;

public class Mcp3008Tests
{
    [Fact]
    public void Mcp3008_reads_each_configured_input_in_volts_through_the_binding()
    {
        var chip = new FakeMcp3008(referenceVolts: 3.3);
        chip.InputVolts[0] = 1.65;
        chip.InputVolts[5] = 0.4;
        using var sensor = new PolledSensor(new Mcp3008Adc(chip, [0, 5], referenceVolts: 3.3), 2000, 32, new FakePacer());
        var frame = sensor.CreateFrame();

        Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));

        Assert.Equal(["ch0", "ch5"], sensor.Format.ChannelNames);
        Assert.Equal(1.65, frame.Channel(0)[10], 3.3 / 1024);
        Assert.Equal(0.4, frame.Channel(1)[10], 3.3 / 1024);
        Assert.Equal([0, 5, 0, 5], chip.ChannelsRead.Skip(2).Take(4));
    }

    [Fact]
    public void Mcp3008_absent_with_miso_pulled_up_is_faulted_by_the_null_bit()
    {
        var chip = new FakeMcp3008();
        chip.Faults.Fault = BusFault.Absent;
        using var sensor = new PolledSensor(new Mcp3008Adc(chip), 2000, 32, new FakePacer());

        Assert.Equal(SensorReadResult.Faulted, sensor.Read(sensor.CreateFrame()));
        Assert.Contains("null bit", sensor.Health.Reason);
    }

    [Fact]
    public void Mcp3008_absent_with_miso_pulled_low_reads_a_flat_window()
    {
        var chip = new FakeMcp3008 { MisoPulledLow = true };
        chip.Faults.Fault = BusFault.Absent;
        using var sensor = new PolledSensor(new Mcp3008Adc(chip), 2000, 64, new FakePacer());
        var frame = sensor.CreateFrame();
        Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));

        var extractor = new FeatureExtractor(sensor.Format.ToFeatureSettings(bandCount: 4));
        Assert.True(frame.ExtractFeatures(extractor, new float[extractor.FeatureCount]).HasFlag(WindowFlags.Flat));
    }

    [Fact]
    public void Mcp3008_throwing_mid_read_faults_then_recovers()
    {
        var chip = new FakeMcp3008();
        chip.InputVolts[0] = 2;
        using var sensor = new PolledSensor(new Mcp3008Adc(chip), 2000, 32, new FakePacer());
        var frame = sensor.CreateFrame();
        chip.Faults.Fault = BusFault.ThrowAfter;
        chip.Faults.TransfersBeforeFailure = 10;

        Assert.Equal(SensorReadResult.Faulted, sensor.Read(frame));
        Assert.Contains("Remote I/O error", sensor.Health.Reason);

        chip.Faults.Heal();
        Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));
        Assert.Equal(2, frame.Channel(0)[31], 3.3 / 1024);
    }
}
