namespace SensorOdl.Drivers.Sensors;

public enum SensorReadResult
{
    /// <summary>The frame was filled.</summary>
    Ok,
    /// <summary>No frame: the sensor is faulted (see <see cref="ISensor.Health"/>); call again, it recovers by itself
    /// (the waits between reconnection attempts are spent inside these calls, a slice at a time).</summary>
    Faulted,
    /// <summary>No frame and none will come (a replay that does not loop has ended).</summary>
    EndOfData,
}
