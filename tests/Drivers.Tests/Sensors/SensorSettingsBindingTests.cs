using Microsoft.Extensions.Configuration;
using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Drivers.Tests.Sensors;

/// <summary>The daemon binds the <c>Sensor</c> section straight into <see cref="SensorSettings"/>: the keys users type must land.</summary>
public class SensorSettingsBindingTests
{
    private static SensorSettings Bind(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build()
            .GetSection("Sensor")
            .Get<SensorSettings>() ?? new SensorSettings();

    [Fact]
    public void Every_key_of_the_section_binds()
    {
        var settings = Bind(
            ("Sensor:Kind", "adxl345"), ("Sensor:Bus", "0"), ("Sensor:Address", "0x1D"), ("Sensor:ChipSelect", "1"),
            ("Sensor:SampleRateHz", "1600"), ("Sensor:WindowSize", "512"), ("Sensor:Seed", "7"), ("Sensor:Speed", "0"),
            ("Sensor:RangeG", "4"), ("Sensor:RangeVolts", "2.048"), ("Sensor:ReferenceVolts", "5"), ("Sensor:Inputs:0", "2"),
            ("Sensor:Replay:Data", "/data"), ("Sensor:Replay:Filter", "state=normal"), ("Sensor:Replay:Speed", "10"), ("Sensor:Replay:Loop", "true"),
            ("Sensor:Ambient:Kind", "bme280"), ("Sensor:Ambient:Bus", "3"), ("Sensor:Ambient:Address", "0x77"), ("Sensor:Ambient:IntervalSeconds", "30"));

        Assert.Equal(SensorKind.Adxl345, settings.Kind);
        Assert.Equal(0, settings.Bus);
        Assert.Equal(0x1D, settings.I2cAddress);
        Assert.Equal(1, settings.ChipSelect);
        Assert.Equal(1600, settings.SampleRateHz);
        Assert.Equal(512, settings.WindowSize);
        Assert.Equal(7, settings.Seed);
        Assert.Equal(0, settings.Speed);
        Assert.Equal(4, settings.RangeG);
        Assert.Equal(2.048, settings.RangeVolts);
        Assert.Equal(5, settings.ReferenceVolts);
        Assert.Equal([2], settings.EffectiveInputs); // not [0, 2]: the default is no array for the binder to append to
        Assert.Equal("/data", settings.Replay.Data);
        Assert.Equal("state=normal", settings.Replay.Filter);
        Assert.Equal(10, settings.Replay.Speed);
        Assert.True(settings.Replay.Loop);
        Assert.Equal(AmbientKind.Bme280, settings.Ambient.Kind);
        Assert.Equal(3, settings.Ambient.Bus);
        Assert.Equal(0x77, settings.Ambient.I2cAddress);
        Assert.Equal(30, settings.Ambient.IntervalSeconds);
        Assert.Empty(settings.Problems());
    }

    [Fact]
    public void Unset_keys_keep_their_defaults()
    {
        var settings = Bind(("Sensor:Replay:Speed", "0"), ("Sensor:Ambient:Bus", "2"));

        Assert.Equal(new SensorSettings().Kind, settings.Kind);
        Assert.Equal(1024, settings.WindowSize);
        Assert.Equal(16, settings.RangeG);
        Assert.Equal([0], settings.EffectiveInputs);
        Assert.Null(settings.Replay.Data);
        Assert.Equal(0, settings.Replay.Speed);
        Assert.False(settings.Replay.Loop);
        Assert.Null(settings.Ambient.Kind); // a bus alone asks for no ambient sensor
        Assert.Equal(60, settings.Ambient.IntervalSeconds);
    }

    [Theory]
    [InlineData("replay", SensorKind.Replay)]
    [InlineData("MCP3008", SensorKind.Mcp3008)]
    [InlineData("Mpu6050", SensorKind.Mpu6050)]
    public void Kinds_bind_in_any_case(string text, SensorKind kind) => Assert.Equal(kind, Bind(("Sensor:Kind", text)).Kind);

    [Fact]
    public void Empty_ambient_kind_means_none()
    {
        Assert.Null(Bind(("Sensor:Ambient:Kind", "")).Ambient.Kind);
    }

    [Fact]
    public void Several_inputs_bind_in_order()
    {
        Assert.Equal([1, 4, 6], Bind(("Sensor:Inputs:0", "1"), ("Sensor:Inputs:1", "4"), ("Sensor:Inputs:2", "6")).EffectiveInputs);
    }
}
