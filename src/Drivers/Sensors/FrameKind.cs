namespace SensorOdl.Drivers.Sensors;

/// <summary>What a frame holds: raw samples (<see cref="Waveform"/>) or an amplitude spectrum that enters after the FFT stage.</summary>
public enum FrameKind
{
    Waveform,
    Spectrum,
}
