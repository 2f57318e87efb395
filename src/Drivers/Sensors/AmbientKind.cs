namespace SensorOdl.Drivers.Sensors;

/// <summary><c>Sensor:Ambient:Kind</c>: the slow side sensor. Configuration writes it in lower case (<c>bme280</c>).</summary>
public enum AmbientKind
{
    /// <summary>BME280 temperature, humidity and pressure sensor, I2C.</summary>
    Bme280,
}
