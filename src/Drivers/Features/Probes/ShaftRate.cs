using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Drivers.Features.Probes;

/// <summary>
/// The shaft rate a waveform probe uses: the configured one; else the replayed recording's <c>rpm</c> / 60; else the
/// largest line of the window's spectrum between the configured bounds, parabolically interpolated between bins.
/// The last is coarse (one bin of a 1,024-sample window at 12 kHz is 11.7 Hz) but needs nothing beyond the window.
/// </summary>
internal sealed class ShaftRate
{
    private readonly WaveformProbeSettings _settings;
    private readonly FeatureExtractor _extractor;
    private readonly float[] _features;

    public ShaftRate(SensorFormat format, WaveformProbeSettings settings)
    {
        _settings = settings;
        _extractor = new FeatureExtractor(format.ToFeatureSettings());
        _features = new float[_extractor.FeatureCount];
    }

    // frame: one waveform window; channel 0 is read when the rate must be estimated
    public double Of(SensorFrame frame)
    {
        if (_settings.ShaftHz > 0) return _settings.ShaftHz;
        if (frame.Recording?.Number("rpm") is double rpm && rpm > 0 && double.IsFinite(rpm)) return rpm / 60;
        _extractor.Extract(frame.Channel(0), _features);
        var a = _extractor.Amplitudes;
        double binHz = _extractor.BinHz;
        int low = Math.Clamp((int)Math.Ceiling(_settings.MinShaftHz / binHz), 1, a.Length - 1);
        int high = Math.Clamp((int)Math.Floor(_settings.MaxShaftHz / binHz), low, a.Length - 1);
        int peak = low;
        for (int k = low + 1; k <= high; k++)
            if (a[k] > a[peak]) peak = k;
        return Math.Clamp(Interpolated(a, peak) * binHz, _settings.MinShaftHz, _settings.MaxShaftHz);
    }

    // parabola through the peak and its neighbours, in bins
    private static double Interpolated(ReadOnlySpan<float> a, int k)
    {
        if (k <= 0 || k >= a.Length - 1) return k;
        double left = a[k - 1], centre = a[k], right = a[k + 1];
        double denominator = left - 2 * centre + right;
        if (Math.Abs(denominator) < 1e-30) return k;
        return k + Math.Clamp(0.5 * (left - right) / denominator, -0.5, 0.5);
    }
}
