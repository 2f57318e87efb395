namespace SensorOdl.Drivers.Features;

/// <summary>What was wrong (or merely notable) about one window or frame. Flags are never cleared silently.</summary>
[Flags]
public enum WindowFlags
{
    None = 0,
    /// <summary>At least one sample was NaN or ±Infinity; those samples were replaced by 0 before any statistic.</summary>
    NonFinite = 1,
    /// <summary>Samples reached the sensor's full scale (or sat flat at the window's extreme): the waveform is saturated.</summary>
    Clipped = 2,
    /// <summary>Fewer samples than the configured window size arrived; the FFT was zero-padded.</summary>
    ShortWindow = 4,
    /// <summary>Zero variance: a dead or disconnected channel.</summary>
    Flat = 8,
    /// <summary>The sensor faulted while the window was being filled.</summary>
    SensorFault = 16,
    /// <summary>Informational: the frame was a spectrum (no waveform), so peak, crest factor and kurtosis are 0.</summary>
    NoWaveform = 32,
    /// <summary>The chip's FIFO overflowed inside the window: samples are missing, the window is not contiguous.</summary>
    Overrun = 64,
    /// <summary>Stuck-at: a channel repeats one value or flickers between a few (a frozen register, a shorted or railed
    /// input, a converter stuck on a code with its last bit toggling). Never scored, never stored, never trained on.</summary>
    StuckAt = 128,
}

public static class WindowFlagsExtensions
{
    /// <summary>Flags that make a window unfit for scoring or training.</summary>
    public const WindowFlags Bad = WindowFlags.NonFinite | WindowFlags.Clipped | WindowFlags.ShortWindow
        | WindowFlags.Flat | WindowFlags.SensorFault | WindowFlags.Overrun | WindowFlags.StuckAt;

    /// <summary>True when none of the <see cref="Bad"/> flags is set.</summary>
    public static bool IsUsable(this WindowFlags flags) => (flags & Bad) == 0;
}
