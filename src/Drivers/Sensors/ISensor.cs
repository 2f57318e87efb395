namespace SensorOdl.Drivers.Sensors;

/// <summary>
/// A source of frames: a chip on a bus, the simulated machine or a replay. <see cref="Read"/> blocks until the next frame
/// is due (paced at the sensor's rate) and reuses the caller's frame, so reading allocates nothing in steady state.
/// </summary>
public interface ISensor : IDisposable
{
    /// <summary>The configured kind, as in <c>Sensor:Kind</c> (<c>adxl345</c>, <c>simulated</c>, <c>replay</c>, …).</summary>
    string Kind { get; }

    SensorFormat Format { get; }

    SensorHealth Health { get; }

    /// <summary>A frame of this sensor's format, to be reused across reads.</summary>
    SensorFrame CreateFrame() => new(Format);

    /// <summary>Fills <paramref name="frame"/> with the next window. Never throws for device trouble: returns
    /// <see cref="SensorReadResult.Faulted"/> and reports the reason in <see cref="Health"/>. Returns within a window's time,
    /// or about a second while a faulted sensor backs off, so a loop that stops returning is hung (the watchdog's cue).</summary>
    SensorReadResult Read(SensorFrame frame, CancellationToken cancellationToken = default);
}
