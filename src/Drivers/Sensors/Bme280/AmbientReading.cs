namespace SensorOdl.Drivers.Sensors.Bme280;

/// <summary>One reading of the ambient side channel: temperature (°C), relative humidity (%), pressure (hPa).</summary>
public readonly record struct AmbientReading(double TemperatureC, double HumidityPercent, double PressureHpa, DateTimeOffset Time);
