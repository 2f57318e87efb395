using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Sensors.Buses;
using SensorOdl.Drivers.Sensors.Mpu6050;
using SensorOdl.Drivers.Tests.Fakes;
using SensorOdl.Drivers.Tests.Support;

namespace SensorOdl.Drivers.Tests.Sensors;

public class Mpu6050Tests
{
    [Fact]
    public void Mpu6050_open_wakes_the_chip_and_sets_filter_divider_and_range()
    {
        var chip = new FakeMpu6050();
        using var mpu = new Mpu6050Accelerometer(new I2cRegisterBus(new RegisterChipI2cDevice(chip, address: 0x68)), rangeG: 4);

        Assert.Equal(500, mpu.SupportedSampleRateHz(400));
        Assert.Equal(1000, mpu.SupportedSampleRateHz(4000));
        mpu.Open(500);

        Assert.False(chip.Asleep);
        Assert.Equal(0x01, chip[0x6B]); // awake, PLL clock
        Assert.Equal(0x01, chip[0x1A]); // DLPF: 1 kHz output
        Assert.Equal(0x01, chip[0x19]); // divider 1: 500 Hz
        Assert.Equal(0x08, chip[0x1C]); // AFS_SEL 1: ±4 g
        Assert.Equal(0x08, chip[0x23]); // accelerometer into the FIFO
        Assert.Equal(0x40, chip[0x6A]); // FIFO on
    }

    [Theory]
    [InlineData(2)]
    [InlineData(16)]
    public void Mpu6050_reports_g_not_m_per_s2_at_any_divider(int rangeG)
    {
        var chip = new FakeMpu6050 { AccelerationG = (0.25, -0.5, 1.0) };
        using var sensor = new PolledSensor(new Mpu6050Accelerometer(new I2cRegisterBus(new RegisterChipI2cDevice(chip, address: 0x68)), rangeG), 125, 32, new FakePacer());
        var frame = sensor.CreateFrame();

        Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));

        Assert.Equal(7, chip[0x19]); // divider 7, where the binding's values shrink to 1/8
        double lsb = rangeG / 32768.0;
        Assert.Equal(0.25, frame.Channel(0)[5], lsb);
        Assert.Equal(-0.5, frame.Channel(1)[5], lsb);
        Assert.Equal(1.0, frame.Channel(2)[31], lsb);
        Assert.Equal("g", sensor.Format.Units[2]);
    }

    [Fact]
    public void Mpu6050_absent_is_faulted_and_retried_with_backoff()
    {
        var device = new RegisterChipI2cDevice(new FakeMpu6050(), address: 0x68);
        device.Faults.Fault = BusFault.Absent;
        var pacer = new FakePacer();
        using var sensor = new PolledSensor(new Mpu6050Accelerometer(new I2cRegisterBus(device)), 1000, 64, pacer,
            new BackoffPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8)));
        var frame = sensor.CreateFrame();

        while (sensor.FailedAttempts < 3) Assert.Equal(SensorReadResult.Faulted, sensor.Read(frame));
        Assert.Equal(3, pacer.TotalWaited.TotalSeconds, 6); // waited 1 s, then 2 s before the 2nd and 3rd attempts
        Assert.Contains("mpu6050", sensor.Health.Reason);

        device.Faults.Heal();
        var healedAt = pacer.Elapsed;
        while (sensor.Read(frame) != SensorReadResult.Ok) Assert.True(pacer.Elapsed - healedAt <= TimeSpan.FromSeconds(4), "not retried within the back-off");
        Assert.True(sensor.Health.IsHealthy);
    }

    [Fact]
    public void Mpu6050_with_a_foreign_who_am_i_is_refused()
    {
        var chip = new FakeMpu6050();
        chip[0x75] = 0x71; // an MPU-9250
        using var sensor = new PolledSensor(new Mpu6050Accelerometer(new I2cRegisterBus(new RegisterChipI2cDevice(chip))), 1000, 64, new FakePacer());

        Assert.Equal(SensorReadResult.Faulted, sensor.Read(sensor.CreateFrame()));
        Assert.Contains("WHO_AM_I 0x71", sensor.Health.Reason);
    }

    [Fact]
    public void Mpu6050_throwing_mid_read_flags_the_window()
    {
        var device = new RegisterChipI2cDevice(new FakeMpu6050(), address: 0x68);
        using var sensor = new PolledSensor(new Mpu6050Accelerometer(new I2cRegisterBus(device)), 1000, 64, new FakePacer());
        var frame = sensor.CreateFrame();
        sensor.Read(frame);
        device.Faults.Fault = BusFault.ThrowAfter;
        device.Faults.TransfersBeforeFailure = device.Faults.Transfers + 10;

        Assert.Equal(SensorReadResult.Faulted, sensor.Read(frame));
        Assert.Equal(32, frame.Count); // two bursts of 16 arrived (4 transfers each), the third failed
        Assert.True(frame.Flags.HasFlag(Drivers.Features.WindowFlags.SensorFault));
    }

    [Fact]
    public void Mpu6050_drains_its_fifo_in_bursts_and_flags_an_overflow()
    {
        var chip = new FakeMpu6050 { AccelerationG = (0, 0, -1) };
        var pacer = new FakePacer();
        using var sensor = new PolledSensor(new Mpu6050Accelerometer(new I2cRegisterBus(new RegisterChipI2cDevice(chip, address: 0x68))), 1000, 256, pacer);
        var frame = sensor.CreateFrame();

        Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));
        Assert.Equal(Drivers.Features.WindowFlags.None, frame.Flags);
        Assert.All(frame.Channel(2).ToArray(), v => Assert.Equal(-1, v, 1e-3));
        Assert.True(pacer.Waits < 256 / 8); // bursts, not one wait per sample

        chip.OverflowAtPoll = chip.Polls + 1; // late before the window starts: stale samples lost, window intact
        Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));
        Assert.Equal(Drivers.Features.WindowFlags.None, frame.Flags);

        chip.OverflowAtPoll = chip.Polls + 3; // late inside the window: samples missing
        Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));
        Assert.True(frame.Flags.HasFlag(Drivers.Features.WindowFlags.Overrun));
        Assert.Equal(256, frame.Count);
    }
}
