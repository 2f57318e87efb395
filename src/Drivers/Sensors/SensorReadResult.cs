namespace SensorOdl.Drivers.Sensors;

public enum SensorReadResult
{
    /// <summary>The frame was filled.</summary>
    Ok,
    /// <summary>No frame: the sensor is faulted (see <see cref="ISensor.Health"/>); call again later, it recovers by itself.</summary>
    Faulted,
    /// <summary>No frame and none will come (a replay that does not loop has ended).</summary>
    EndOfData,
}
