namespace SensorOdl.Drivers.Sensors;

/// <summary><c>Sensor:Kind</c>: which source <see cref="SensorFactory"/> builds. Configuration writes it in lower case (<c>adxl345</c>).</summary>
public enum SensorKind
{
    /// <summary>The simulated rotating machine.</summary>
    Simulated,
    /// <summary>Recordings played back (<c>Sensor:Replay</c>).</summary>
    Replay,
    /// <summary>ADXL345 accelerometer, SPI or I2C.</summary>
    Adxl345,
    /// <summary>MPU-6050 accelerometer, I2C.</summary>
    Mpu6050,
    /// <summary>ADS1115 16-bit ADC, I2C.</summary>
    Ads1115,
    /// <summary>MCP3008 10-bit ADC, SPI.</summary>
    Mcp3008,
}

public static class SensorKindExtensions
{
    /// <summary>The kind as configuration and status write it: <c>simulated</c>, <c>adxl345</c>, ….</summary>
    public static string ToConfigValue(this SensorKind kind) => kind.ToString().ToLowerInvariant();
}
