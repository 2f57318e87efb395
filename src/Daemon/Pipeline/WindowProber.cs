using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Features.Probes;
using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Daemon.Pipeline;

/// <summary>
/// Makes the synthetic fault probes of a raw waveform window as it arrives, for the probe guard: waveform features
/// cannot be turned back into a window, so the probes are made here, before the window is reduced to features, and
/// only their features are stored beside the window's (<see cref="Storage.SampleStore"/>). Spectra need none of this:
/// their probes are made from the stored features when a job runs. Holds its buffers: allocates nothing per window.
/// </summary>
public sealed class WindowProber
{
    readonly FaultProbes _probes;
    readonly float[] _buffer; // [k·d] the last window's probes

    WindowProber(FaultProbes probes)
    {
        _probes = probes;
        _buffer = new float[probes.Count * probes.Size];
    }

    /// <summary>A prober for waveform windows; null for spectra (their probes are made from stored features).</summary>
    public static WindowProber? For(SensorFormat format) =>
        format.Kind == FrameKind.Spectrum ? null : new WindowProber(new FaultProbes(format));

    /// <summary>[k·d] raw features of the window's probes, kind by kind; empty when a probe's features are unusable (then none are stored).</summary>
    public ReadOnlySpan<float> Probe(SensorFrame frame)
    {
        WindowFlags flags = _probes.Make(frame, _buffer);
        return flags.IsUsable() ? _buffer : default;
    }
}
