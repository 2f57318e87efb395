using SensorOdl.Drivers.Replay;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Tests.Fakes;
using SensorOdl.Drivers.Tests.Support;

namespace SensorOdl.Drivers.Tests.Sensors;

public class SensorSettingsTests
{
    [Fact]
    public void Default_settings_have_no_problem()
    {
        var settings = new SensorSettings();

        Assert.Empty(settings.Problems());
        Assert.Equal(SensorKind.Simulated, settings.Kind);
        Assert.Equal([0], settings.EffectiveInputs);
        Assert.Null(settings.I2cAddress);
        Assert.Null(settings.Ambient.Kind);
        Assert.Equal(0x76, settings.Ambient.I2cAddress);
    }

    [Fact]
    public void Settings_name_each_value_that_cannot_work_by_its_key()
    {
        var settings = new SensorSettings
        {
            Kind = SensorKind.Replay,
            WindowSize = 1000,
            SampleRateHz = -1,
            Speed = -2,
            Address = "0x99",
            Replay = new ReplaySettings(Data: null, Speed: -1),
            Ambient = new AmbientSettings { Kind = (AmbientKind)3, Address = "nope" },
        };

        Assert.Equal(
        [
            "Sensor:WindowSize: must be a power of two of at least 8.",
            "Sensor:SampleRateHz: must be positive (0 = the chip's default).",
            "Sensor:Replay:Data: is required when Sensor:Kind is replay.",
            "Sensor:Replay:Speed: must be 0 (as fast as possible) or positive.",
            "Sensor:Speed: must be 0 (as fast as possible) or positive.",
            "Sensor:Ambient:Kind: only bme280 is supported.",
            "Sensor:Address: '0x99' is not an I2C address (0x03 to 0x77).",
            "Sensor:Ambient:Address: 'nope' is not an I2C address (0x03 to 0x77).",
        ], settings.Problems());
    }

    [Theory]
    [InlineData(SensorKind.Adxl345, 3, "Sensor:RangeG: must be 2, 4, 8 or 16 for the adxl345, not 3.")]
    [InlineData(SensorKind.Mpu6050, 32, "Sensor:RangeG: must be 2, 4, 8 or 16 for the mpu6050, not 32.")]
    [InlineData(SensorKind.Ads1115, 3, null)] // RangeG means nothing to an ADC
    public void Settings_check_the_range_against_the_chip(SensorKind kind, int rangeG, string? problem) =>
        Assert.Equal(problem, new SensorSettings { Kind = kind, RangeG = rangeG }.Problems().SingleOrDefault());

    [Fact]
    public void Settings_check_adc_inputs_and_scales_against_the_chip()
    {
        string? Problem(SensorSettings s) => s.Problems().SingleOrDefault();

        Assert.Null(Problem(new SensorSettings { Kind = SensorKind.Ads1115, Inputs = [3], RangeVolts = 0.256 }));
        Assert.Equal("Sensor:Inputs: the ads1115 samples one input, 0 to 3, not [4].", Problem(new SensorSettings { Kind = SensorKind.Ads1115, Inputs = [4] }));
        Assert.Equal("Sensor:Inputs: the ads1115 samples one input, 0 to 3, not [0, 1].", Problem(new SensorSettings { Kind = SensorKind.Ads1115, Inputs = [0, 1] }));
        Assert.Equal("Sensor:RangeVolts: must be 6.144, 4.096, 2.048, 1.024, 0.512 or 0.256 for the ads1115, not 5.", Problem(new SensorSettings { Kind = SensorKind.Ads1115, RangeVolts = 5 }));
        Assert.Null(Problem(new SensorSettings { Kind = SensorKind.Mcp3008, Inputs = [0, 7] }));
        Assert.Equal("Sensor:Inputs: an mcp3008 input is 0 to 7, not [0, 8].", Problem(new SensorSettings { Kind = SensorKind.Mcp3008, Inputs = [0, 8] }));
        Assert.Equal("Sensor:ReferenceVolts: must be positive, not 0.", Problem(new SensorSettings { Kind = SensorKind.Mcp3008, ReferenceVolts = 0 }));
    }

    [Theory]
    [InlineData("0x53", 0x53)]
    [InlineData("104", 104)]
    [InlineData(" 0X1d ", 0x1D)]
    public void Addresses_parse_in_hex_or_decimal(string text, int expected)
    {
        Assert.Equal(expected, SensorSettings.ParseAddress(text));
        Assert.Equal(expected, new SensorSettings { Address = text }.I2cAddress);
    }

    [Fact]
    public void Kinds_are_written_in_lower_case()
    {
        Assert.Equal("adxl345", SensorKind.Adxl345.ToConfigValue());
        Assert.Equal("simulated", SensorKind.Simulated.ToConfigValue());
    }

    [Fact]
    public void Range_g_reaches_the_adxl345_data_format_register()
    {
        var chip = new FakeAdxl345();
        var buses = new FakeBuses((bus, address) => new RegisterChipI2cDevice(chip, bus, address));
        using var sensor = SensorFactory.Create(new SensorSettings { Kind = SensorKind.Adxl345, Address = "0x53", RangeG = 4, WindowSize = 16 }, buses, new FakePacer());

        Assert.Equal(SensorReadResult.Ok, sensor.Read(sensor.CreateFrame()));

        Assert.Equal(0x09, chip[0x31]); // DATA_FORMAT: FULL_RES | ±4 g
        Assert.Equal(4, sensor.Format.FullScale);
    }

    [Fact]
    public void Range_g_reaches_the_mpu6050_accelerometer_config_register()
    {
        var chip = new FakeMpu6050();
        var buses = new FakeBuses((bus, address) => new RegisterChipI2cDevice(chip, bus, address));
        using var sensor = SensorFactory.Create(new SensorSettings { Kind = SensorKind.Mpu6050, RangeG = 8, WindowSize = 16 }, buses, new FakePacer());

        Assert.Equal(SensorReadResult.Ok, sensor.Read(sensor.CreateFrame()));

        Assert.Equal(0x10, chip[0x1C]); // ACCEL_CONFIG: AFS_SEL 2 = ±8 g
        Assert.Equal(8, sensor.Format.FullScale);
    }

    [Fact]
    public void Inputs_and_reference_reach_the_mcp3008_channels()
    {
        var chip = new FakeMcp3008(referenceVolts: 5);
        chip.InputVolts[2] = 1;
        chip.InputVolts[6] = 4;
        var buses = new FakeBuses(spi: _ => chip);
        using var sensor = SensorFactory.Create(new SensorSettings { Kind = SensorKind.Mcp3008, Inputs = [2, 6], ReferenceVolts = 5, WindowSize = 16 }, buses, new FakePacer());
        var frame = sensor.CreateFrame();

        Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));

        Assert.Equal(["ch2", "ch6"], sensor.Format.ChannelNames);
        Assert.Equal([2, 6, 2, 6], chip.ChannelsRead.Take(4));
        Assert.Equal(1, frame.Channel(0)[15], 5.0 / 1024);
        Assert.Equal(4, frame.Channel(1)[15], 5.0 / 1024);
        Assert.Equal(5, sensor.Format.FullScale);
    }

    [Fact]
    public void Input_and_range_reach_the_ads1115_config_register()
    {
        var chip = new FakeAds1115();
        chip.InputVolts[3] = 0.2;
        var buses = new FakeBuses((_, _) => chip);
        using var sensor = SensorFactory.Create(new SensorSettings { Kind = SensorKind.Ads1115, Inputs = [3], RangeVolts = 0.512, WindowSize = 16 }, buses, new FakePacer());
        var frame = sensor.CreateFrame();

        Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));

        Assert.Equal(0x7, (chip.Config >> 12) & 0x7); // MUX: AIN3 vs GND
        Assert.Equal(0x4, (chip.Config >> 9) & 0x7);  // PGA: ±0.512 V
        Assert.Equal(0.2, frame.Channel(0)[15], 0.512 / 32768);
        Assert.Equal(["ain3"], sensor.Format.ChannelNames);
    }
}
