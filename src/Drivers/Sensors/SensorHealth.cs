namespace SensorOdl.Drivers.Sensors;

public enum SensorState
{
    Ok,
    Faulted,
}

/// <summary>A sensor's health: ok, or faulted with a one-sentence reason, since a time on the wall clock. Immutable and
/// replaced as a whole, so another thread (status publishing) always reads a consistent value.</summary>
public sealed record SensorHealth(SensorState State, string? Reason, DateTimeOffset Since)
{
    public bool IsHealthy => State == SensorState.Ok;
    public static SensorHealth Ok(DateTimeOffset since) => new(SensorState.Ok, null, since);
    public static SensorHealth Faulted(string reason, DateTimeOffset since) => new(SensorState.Faulted, reason, since);
}
