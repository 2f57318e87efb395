namespace SensorOdl.Drivers.Sensors;

/// <summary><c>Sensor:Ambient</c> (CONTRACT §2): the optional slow side sensor.</summary>
/// <param name="Kind">Only <c>bme280</c> for now.</param>
/// <param name="Bus">I2C bus number.</param>
/// <param name="Address">I2C address (0x76 or 0x77).</param>
/// <param name="IntervalSeconds">Seconds between readings.</param>
public sealed record AmbientSettings(string Kind = "bme280", int Bus = 1, int Address = 0x76, double IntervalSeconds = 60);
