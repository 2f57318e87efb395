using Microsoft.Extensions.Time.Testing;
using SensorOdl.Drivers.Replay;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Simulation;
using SensorOdl.Drivers.Tests.Fakes;
using SensorOdl.Drivers.Tests.Support;

namespace SensorOdl.Drivers.Tests.Sensors;

public class SensorFactoryTests
{
    [Fact]
    public void Factory_builds_the_simulated_machine_by_default()
    {
        using var sensor = SensorFactory.Create(new SensorSettings { Speed = 0, WindowSize = 512 });
        Assert.IsType<SimulatedMachineSensor>(sensor);
        Assert.Equal("simulated", sensor.Kind);
        Assert.Equal(512, sensor.Format.Length);
        Assert.Equal(SensorReadResult.Ok, sensor.Read(sensor.CreateFrame()));
    }

    [Fact]
    public void Factory_builds_replay_from_its_section()
    {
        using var sensor = SensorFactory.Create(new SensorSettings
        {
            Kind = SensorKind.Replay,
            WindowSize = 2048,
            Replay = new ReplaySettings(SharedData.Cwru, "fault=IR", Speed: 0),
        });
        Assert.Equal("replay", sensor.Kind);
        Assert.Equal(2048, sensor.Format.Length);
        Assert.Throws<ArgumentException>(() => SensorFactory.Create(new SensorSettings { Kind = SensorKind.Replay }));
    }

    [Fact]
    public void Factory_opens_the_adxl345_on_spi_by_default_and_on_i2c_when_an_address_is_set()
    {
        var chip = new FakeAdxl345();
        var buses = new FakeBuses((bus, address) => new RegisterChipI2cDevice(chip, bus, address), _ => new FakeAdxl345SpiDevice(chip));

        using var spi = SensorFactory.Create(new SensorSettings { Kind = SensorKind.Adxl345, Bus = 0, ChipSelect = 1, SampleRateHz = 800 }, buses, new FakePacer());
        using var i2c = SensorFactory.Create(new SensorSettings { Kind = SensorKind.Adxl345, Bus = 1, Address = "0x53" }, buses, new FakePacer());

        Assert.Empty(buses.Opened); // buses open on the first read
        Assert.Equal(SensorReadResult.Ok, spi.Read(spi.CreateFrame()));
        Assert.Equal(SensorReadResult.Ok, i2c.Read(i2c.CreateFrame()));
        Assert.Equal(["spidev0.1 mode Mode3", "i2c-1@0x53"], buses.Opened);
        Assert.Equal(800, spi.Format.SampleRateHz);
        Assert.Equal(3200, i2c.Format.SampleRateHz);
    }

    [Fact]
    public void Factory_builds_each_chip_kind_at_its_default_address()
    {
        var buses = new FakeBuses(
            (bus, address) => address switch
            {
                0x68 => new RegisterChipI2cDevice(new FakeMpu6050(), bus, address),
                0x48 => new FakeAds1115(address),
                _ => throw new IOException("nothing at that address"),
            },
            _ => new FakeMcp3008());

        foreach (var kind in new[] { SensorKind.Mpu6050, SensorKind.Ads1115, SensorKind.Mcp3008 })
        {
            using var sensor = SensorFactory.Create(new SensorSettings { Kind = kind, WindowSize = 16 }, buses, new FakePacer());
            Assert.Equal(kind.ToConfigValue(), sensor.Kind);
            Assert.Equal(SensorReadResult.Ok, sensor.Read(sensor.CreateFrame()));
            Assert.True(sensor.Health.IsHealthy, sensor.Health.Reason);
        }
        Assert.Equal(["i2c-1@0x68", "i2c-1@0x48", "spidev1.0 mode Mode0"], buses.Opened);
    }

    [Fact]
    public void Factory_with_a_missing_bus_gives_a_faulted_sensor_that_recovers_when_the_bus_appears()
    {
        bool plugged = false;
        var chip = new FakeMpu6050();
        var buses = new FakeBuses((bus, address) => plugged
            ? new RegisterChipI2cDevice(chip, bus, address)
            : throw new IOException($"/dev/i2c-{bus} does not exist."));
        var pacer = new FakePacer();
        using var sensor = SensorFactory.Create(new SensorSettings { Kind = SensorKind.Mpu6050, WindowSize = 16 }, buses, pacer);
        var frame = sensor.CreateFrame();

        Assert.Equal(SensorReadResult.Faulted, sensor.Read(frame));
        Assert.Contains("/dev/i2c-1 does not exist", sensor.Health.Reason);

        plugged = true;
        pacer.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));
        Assert.True(sensor.Health.IsHealthy);
        Assert.Equal(1.0, frame.Channel(2)[15], 0.001);
    }

    [Fact]
    public void Factory_refuses_an_unknown_kind_in_one_sentence()
    {
        var e = Assert.Throws<ArgumentException>(() => SensorFactory.Create(new SensorSettings { Kind = (SensorKind)42 }));
        Assert.Equal("Sensor:Kind: '42' is not one of simulated, replay, adxl345, mpu6050, ads1115, mcp3008.", e.Message);
    }

    [Fact]
    public void Factory_builds_the_bme280_ambient_side_channel()
    {
        var buses = new FakeBuses((bus, address) => new RegisterChipI2cDevice(new FakeBme280(), bus, address));
        using var ambient = SensorFactory.CreateAmbient(new AmbientSettings { Kind = AmbientKind.Bme280, Address = "0x77" }, buses, new FakeTimeProvider());

        Assert.NotNull(ambient);
        Assert.True(ambient.TryRead(out var reading));
        Assert.Equal(25.08, reading.TemperatureC, 0.01);
        Assert.Equal(["i2c-1@0x77"], buses.Opened);
        Assert.Null(SensorFactory.CreateAmbient(null));
        Assert.Null(SensorFactory.CreateAmbient(new AmbientSettings { Bus = 3 })); // no kind: no ambient sensor
    }

    [Theory]
    [InlineData("0x53", 0x53)]
    [InlineData("104", 104)]
    public void Factory_parses_addresses_in_hex_or_decimal(string text, int expected) =>
        Assert.Equal(expected, SensorSettings.ParseAddress(text));
}
