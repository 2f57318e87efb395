using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Sensors.Adxl345;
using SensorOdl.Drivers.Sensors.Buses;
using SensorOdl.Drivers.Tests.Fakes;
using SensorOdl.Drivers.Tests.Support;

namespace SensorOdl.Drivers.Tests.Sensors;

public class Adxl345Tests
{
    private sealed record Rig(FakeAdxl345 Chip, FaultInjector Faults, IRegisterBus Bus);

    private static Rig Build(string bus)
    {
        var chip = new FakeAdxl345();
        if (bus == "spi")
        {
            var spi = new FakeAdxl345SpiDevice(chip);
            return new Rig(chip, spi.Faults, new Adxl345SpiBus(spi));
        }
        var i2c = new RegisterChipI2cDevice(chip);
        return new Rig(chip, i2c.Faults, new I2cRegisterBus(i2c));
    }

    [Theory]
    [InlineData("i2c")]
    [InlineData("spi")]
    public void Adxl345_open_sets_rate_full_resolution_stream_fifo_and_measure(string bus)
    {
        var rig = Build(bus);
        using var adxl = new Adxl345Accelerometer(rig.Bus, rangeG: 8);

        Assert.Equal(1600, adxl.SupportedSampleRateHz(1000));
        Assert.Equal(3200, adxl.SupportedSampleRateHz(5000));
        adxl.Open(1600);

        Assert.Equal(0x0E, rig.Chip[0x2C]);   // BW_RATE: 1600 Hz
        Assert.Equal(0x0A, rig.Chip[0x31]);   // DATA_FORMAT: FULL_RES | ±8 g
        Assert.Equal(0x90, rig.Chip[0x38]);   // FIFO_CTL: stream, watermark 16
        Assert.Equal(0x08, rig.Chip[0x2D]);   // POWER_CTL: measure
        Assert.Equal(0x2D, rig.Chip.Writes.Last().Register); // measuring starts only once configured
    }

    [Theory]
    [InlineData("i2c")]
    [InlineData("spi")]
    public void Adxl345_drains_its_fifo_into_windows_scaled_to_g(string bus)
    {
        var rig = Build(bus);
        rig.Chip.AccelerationG = (0.5, -0.25, 1.0);
        var pacer = new FakePacer();
        using var sensor = new PolledSensor(new Adxl345Accelerometer(rig.Bus), 3200, 256, pacer);
        var frame = sensor.CreateFrame();

        Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));

        Assert.True(sensor.Health.IsHealthy);
        Assert.Equal(256, frame.Count);
        Assert.Equal(["x", "y", "z"], sensor.Format.ChannelNames);
        Assert.Equal(16, sensor.Format.FullScale);
        Assert.All(frame.Channel(0).ToArray(), v => Assert.Equal(0.5, v, 0.004));
        Assert.All(frame.Channel(1).ToArray(), v => Assert.Equal(-0.25, v, 0.004));
        Assert.All(frame.Channel(2).ToArray(), v => Assert.Equal(1.0, v, 0.004));
        Assert.True(pacer.TotalWaited < TimeSpan.FromSeconds(256 / 3200.0 * 1.5)); // polled in bursts, not per sample
    }

    [Fact]
    public void Adxl345_fifo_overflow_inside_a_window_is_flagged_as_overrun()
    {
        var rig = Build("i2c");
        using var sensor = new PolledSensor(new Adxl345Accelerometer(rig.Bus), 3200, 256, new FakePacer());
        var frame = sensor.CreateFrame();
        Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));
        Assert.Equal(WindowFlags.None, frame.Flags);

        rig.Chip.SamplesPerPoll = 40; // the reader falls behind: the FIFO fills up between polls
        Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));

        Assert.True(frame.Flags.HasFlag(WindowFlags.Overrun));
        Assert.False(frame.Flags.IsUsable());
    }

    [Fact]
    public void Adxl345_clipped_at_full_scale_is_flagged_by_the_features()
    {
        var rig = Build("i2c");
        rig.Chip.AccelerationG = (0, 0, 40); // beyond ±16 g: the chip saturates
        using var sensor = new PolledSensor(new Adxl345Accelerometer(rig.Bus), 3200, 256, new FakePacer());
        var frame = sensor.CreateFrame();
        sensor.Read(frame);

        var extractor = new FeatureExtractor(sensor.Format.ToFeatureSettings());
        var flags = frame.ExtractFeatures(extractor, new float[extractor.FeatureCount], channel: 2);

        Assert.True(flags.HasFlag(WindowFlags.Clipped));
    }

    [Theory]
    [InlineData("i2c")]
    [InlineData("spi")]
    public void Adxl345_absent_is_faulted_with_the_bus_error(string bus)
    {
        var rig = Build(bus);
        rig.Faults.Fault = BusFault.Absent;
        using var sensor = new PolledSensor(new Adxl345Accelerometer(rig.Bus), 3200, 64, new FakePacer());

        Assert.Equal(SensorReadResult.Faulted, sensor.Read(sensor.CreateFrame()));
        Assert.Equal(SensorState.Faulted, sensor.Health.State);
        Assert.Contains("No such device", sensor.Health.Reason);
    }

    [Theory]
    [InlineData("i2c")]
    [InlineData("spi")]
    public void Adxl345_answering_garbage_is_refused_by_its_id(string bus)
    {
        var rig = Build(bus);
        rig.Faults.Fault = BusFault.Garbage;
        using var sensor = new PolledSensor(new Adxl345Accelerometer(rig.Bus), 3200, 64, new FakePacer());

        Assert.Equal(SensorReadResult.Faulted, sensor.Read(sensor.CreateFrame()));
        Assert.True(sensor.Health.Reason!.Contains("ADXL345") || sensor.Health.Reason.Contains("reads back"), sensor.Health.Reason);
    }

    [Theory]
    [InlineData("i2c")]
    [InlineData("spi")]
    public void Adxl345_throwing_mid_read_faults_then_recovers_when_it_answers_again(string bus)
    {
        var rig = Build(bus);
        var pacer = new FakePacer();
        using var sensor = new PolledSensor(new Adxl345Accelerometer(rig.Bus), 3200, 256, pacer);
        var frame = sensor.CreateFrame();
        Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));

        rig.Faults.Fault = BusFault.ThrowAfter;
        rig.Faults.TransfersBeforeFailure = rig.Faults.Transfers + 50;
        Assert.Equal(SensorReadResult.Faulted, sensor.Read(frame));
        Assert.True(frame.Flags.HasFlag(WindowFlags.SensorFault));
        Assert.InRange(frame.Count, 1, 255);
        Assert.Contains("Remote I/O error", sensor.Health.Reason);

        rig.Faults.Heal();
        Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));
        Assert.True(sensor.Health.IsHealthy);
        Assert.Equal(1.0, frame.Channel(2)[100], 0.004);
    }
}
