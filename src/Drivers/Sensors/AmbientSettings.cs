using SensorOdl.Drivers.Sensors.Bme280;

namespace SensorOdl.Drivers.Sensors;

/// <summary><c>Sensor:Ambient</c> (docs/CONTRACT.md §2): the optional slow side sensor, bound from configuration.</summary>
public sealed record AmbientSettings
{
    /// <summary><c>bme280</c>, or unset for no ambient sensor.</summary>
    public AmbientKind? Kind { get; init; }

    /// <summary>I2C bus number (<c>/dev/i2c-N</c>).</summary>
    public int Bus { get; init; } = 1;

    /// <summary>I2C address as written in configuration, <c>0x76</c> or <c>118</c>; unset = 0x76.</summary>
    public string? Address { get; init; }

    /// <summary>Seconds between readings.</summary>
    public double IntervalSeconds { get; init; } = 60;

    /// <summary><see cref="Address"/> parsed (<see cref="ArgumentException"/> when it is not an I2C address).</summary>
    public int I2cAddress => Address is { Length: > 0 } text
        ? SensorSettings.ParseAddress(text, "Sensor:Ambient:Address")
        : Bme280Ambient.DefaultI2cAddress;
}
