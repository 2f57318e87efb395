namespace SensorOdl.Drivers.Replay;

/// <summary><c>Sensor:Replay</c> (CONTRACT §2) plus the window size for waveform recordings.</summary>
/// <param name="Data">Recording folder (holding manifest.json).</param>
/// <param name="Filter">Manifest filter (CONTRACT §4); empty = every primary recording.</param>
/// <param name="Speed">Time factor: 1 = real time, 10 = ten times faster, 0 = as fast as possible.</param>
/// <param name="Loop">Start again from the first recording after the last.</param>
/// <param name="WindowSize">Samples per window cut from waveform recordings (ignored for spectra).</param>
public sealed record ReplaySettings(string Data, string? Filter = null, double Speed = 1, bool Loop = false, int WindowSize = 1024)
{
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Data)) throw new ArgumentException("Sensor:Replay:Data must name a recording folder.");
        if (Speed < 0 || double.IsNaN(Speed) || double.IsInfinity(Speed)) throw new ArgumentException($"Sensor:Replay:Speed must be 0 or positive, not {Speed}.");
        if (WindowSize < 8) throw new ArgumentException($"Sensor:WindowSize must be at least 8, not {WindowSize}.");
    }
}
