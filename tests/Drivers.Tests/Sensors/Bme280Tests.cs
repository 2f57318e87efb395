using Microsoft.Extensions.Time.Testing;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Sensors.Bme280;
using SensorOdl.Drivers.Tests.Fakes;

namespace SensorOdl.Drivers.Tests.Sensors;

public class Bme280Tests
{
    [Fact]
    public void Bme280_reads_temperature_humidity_and_pressure_through_the_binding()
    {
        var chip = new FakeBme280();
        using var ambient = new Bme280Ambient(() => new RegisterChipI2cDevice(chip, address: 0x76), new FakeTimeProvider());
        var expected = chip.Expected();

        Assert.True(ambient.TryRead(out var reading), ambient.Health.Reason);

        Assert.True(ambient.Health.IsHealthy);
        Assert.Equal(25.08, reading.TemperatureC, 0.01); // the datasheet's worked example
        Assert.Equal(expected.TemperatureC, reading.TemperatureC, 0.01);
        Assert.Equal(expected.PressurePa / 100, reading.PressureHpa, 0.05);
        Assert.Equal(expected.HumidityPercent, reading.HumidityPercent, 0.5);
        Assert.InRange(reading.HumidityPercent, 1, 99);
        Assert.True(chip.ForcedMeasurements >= 1);
    }

    [Fact]
    public void Bme280_follows_a_warming_room()
    {
        var chip = new FakeBme280();
        using var ambient = new Bme280Ambient(() => new RegisterChipI2cDevice(chip, address: 0x76), new FakeTimeProvider());
        Assert.True(ambient.TryRead(out var cool));

        chip.RawTemperature += 8000;
        Assert.True(ambient.TryRead(out var warm));

        Assert.True(warm.TemperatureC > cool.TemperatureC + 1);
        Assert.Equal(chip.Expected().TemperatureC, warm.TemperatureC, 0.01);
    }

    [Fact]
    public void Bme280_absent_is_faulted_then_retried_after_backoff_and_recovers()
    {
        var chip = new FakeBme280();
        var faults = BusFault.Absent;
        var time = new FakeTimeProvider();
        int opens = 0;
        using var ambient = new Bme280Ambient(() =>
        {
            opens++;
            var device = new RegisterChipI2cDevice(chip, address: 0x76);
            device.Faults.Fault = faults;
            return device;
        }, time, new BackoffPolicy(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60)));

        Assert.False(ambient.TryRead(out _));
        Assert.Contains("No such device", ambient.Health.Reason);
        Assert.False(ambient.TryRead(out _));
        Assert.Equal(1, opens); // still backing off

        faults = BusFault.None;
        time.Advance(TimeSpan.FromSeconds(11));
        Assert.True(ambient.TryRead(out _));
        Assert.True(ambient.Health.IsHealthy);
        Assert.Equal(2, opens);
    }

    [Fact]
    public void Bme280_answering_garbage_is_refused()
    {
        using var ambient = new Bme280Ambient(() =>
        {
            var device = new RegisterChipI2cDevice(new FakeBme280(), address: 0x76);
            device.Faults.Fault = BusFault.Garbage;
            return device;
        }, new FakeTimeProvider());

        Assert.False(ambient.TryRead(out _));
        Assert.Equal(SensorState.Faulted, ambient.Health.State);
    }

    [Fact]
    public void Bme280_throwing_mid_read_is_faulted_not_thrown()
    {
        var chip = new FakeBme280();
        RegisterChipI2cDevice? device = null;
        using var ambient = new Bme280Ambient(() => device = new RegisterChipI2cDevice(chip, address: 0x76), new FakeTimeProvider());
        Assert.True(ambient.TryRead(out _));

        device!.Faults.Fault = BusFault.ThrowAfter;
        device.Faults.TransfersBeforeFailure = device.Faults.Transfers + 3;

        Assert.False(ambient.TryRead(out _));
        Assert.Contains("Remote I/O error", ambient.Health.Reason);
        Assert.True(device.Disposed);
    }
}
