namespace SensorOdl.Drivers.Replay;

/// <summary><c>Sensor:Replay</c> (docs/CONTRACT.md §2), bound from configuration.</summary>
/// <param name="Data">Recording folder (holding manifest.json).</param>
/// <param name="Filter">Manifest filter (docs/CONTRACT.md §4); empty = every primary recording.</param>
/// <param name="Speed">Time factor: 1 = real time, 10 = ten times faster, 0 = as fast as possible.</param>
/// <param name="Loop">Start again from the first recording after the last.</param>
public sealed record ReplaySettings(string? Data, string? Filter = null, double Speed = 1, bool Loop = false)
{
    /// <summary>For the configuration binder: nothing to replay yet.</summary>
    public ReplaySettings()
        : this(Data: null)
    {
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad key.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Data)) throw new ArgumentException("Sensor:Replay:Data must name a recording folder.");
        if (Speed < 0 || double.IsNaN(Speed) || double.IsInfinity(Speed)) throw new ArgumentException($"Sensor:Replay:Speed must be 0 or positive, not {Speed}.");
    }
}
