namespace SensorOdl.Drivers.Sensors.Bme280;

/// <summary>The optional slow side channel <c>Sensor:Ambient</c>: temperature and humidity are classic drift causes.</summary>
public interface IAmbientSensor : IDisposable
{
    string Kind { get; }

    SensorHealth Health { get; }

    /// <summary>Reads once; on failure returns false and reports the reason in <see cref="Health"/>, never throws for the device.</summary>
    bool TryRead(out AmbientReading reading);
}
