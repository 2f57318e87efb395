using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Drivers.Features.Probes;

/// <summary>
/// The waveform probes (imbalance, outer race, inner race): each perturbs a copy of the window, every channel scaled by
/// its own standard deviation σ, and the copy goes through the same <see cref="FeatureTransform"/> as real windows.
/// The imbalance sine is added in phase with the window's own 1× component; the impacts' phase moves from window to window
/// (golden-ratio steps of the frame's sequence number), so a stream of probes does not always put an impact on the first
/// sample. Holds its buffers: allocates nothing per call.
/// </summary>
internal sealed class WaveformProbeSet
{
    public static readonly FaultProbeKind[] Kinds = [FaultProbeKind.Imbalance, FaultProbeKind.OuterRace, FaultProbeKind.InnerRace];

    private const double GoldenStep = 0.6180339887498949;
    private const double InnerRaceDepth = 0.45; // impacts 0.1 … 1 of the largest, as in SimulatedMachine
    private readonly FeatureTransform _transform;
    private readonly WaveformProbeSettings _settings;
    private readonly SensorFrame _copy;       // [Channels, Length] the perturbed window
    private readonly ShaftRate _shaftRate;
    private readonly RingingImpacts _impacts;
    private readonly float[] _finite;         // [Length] one channel, non-finite samples as 0
    private readonly double[] _sigma;         // [Channels]
    private readonly double[] _oneTimesPhase; // [Channels] phase of each channel's 1× component (rad)

    public WaveformProbeSet(FeatureTransform transform, WaveformProbeSettings settings)
    {
        var format = transform.Format;
        _transform = transform;
        _settings = settings;
        _copy = new SensorFrame(format);
        _shaftRate = new ShaftRate(format, settings);
        _impacts = new RingingImpacts(format.SampleRateHz, settings.ResonanceHz, settings.RingDecayS);
        _finite = new float[format.Length];
        _sigma = new double[format.Channels];
        _oneTimesPhase = new double[format.Channels];
    }

    /// <summary>Shaft rate f_r used for the last window (Hz).</summary>
    public double ShaftHz { get; private set; } = double.NaN;

    // frame: one window of the transform's format  probes: [Kinds.Length, Size]; returns the union of the probes' flags
    public WindowFlags Make(SensorFrame frame, Span<float> probes)
    {
        int n = frame.Count, channels = frame.Channels, d = _transform.Size;
        double shaftHz = _shaftRate.Of(frame);
        double rate = _transform.Format.SampleRateHz;
        for (int c = 0; c < channels; c++)
        {
            var x = _finite.AsSpan(0, n);
            SampleQuality.CopyFinite(frame.Channel(c), x);
            var stats = WindowStatistics.Of(x);
            _sigma[c] = Math.Sqrt(stats.Variance);
            _oneTimesPhase[c] = OneTimesPhase(x, stats.Mean, 2 * Math.PI * shaftHz / rate);
        }
        double phase = frame.Sequence * GoldenStep % 1.0;
        if (phase < 0) phase += 1;
        ShaftHz = shaftHz;

        var flags = WindowFlags.None;
        for (int p = 0; p < Kinds.Length; p++)
        {
            _copy.Count = n;
            _copy.Flags = frame.Flags;
            for (int c = 0; c < channels; c++)
            {
                var x = _copy.Channel(c);
                frame.Channel(c).CopyTo(x);
                Perturb(Kinds[p], x, _sigma[c], _oneTimesPhase[c], shaftHz, phase);
            }
            flags |= _transform.Extract(_copy, probes.Slice(p * d, d));
        }
        return flags;
    }

    // x: [n] one channel of the copy; the imbalance sine is added in phase with the 1× component already there, so it
    // raises that line (an imbalance grows the 1× force) instead of cancelling part of it
    private void Perturb(FaultProbeKind kind, Span<float> x, double sigma, double oneTimesPhase, double shaftHz, double phase)
    {
        double rate = _transform.Format.SampleRateHz;
        switch (kind)
        {
            case FaultProbeKind.Imbalance:
                double amplitude = _settings.ImbalanceLevel * sigma;
                if (amplitude == 0) return;
                double omega = 2 * Math.PI * shaftHz / rate;
                for (int i = 0; i < x.Length; i++) x[i] += (float)(amplitude * Math.Sin(omega * i + oneTimesPhase));
                break;
            case FaultProbeKind.OuterRace:
                _impacts.Add(x, _settings.BpfoOrder * shaftHz, _settings.OuterRaceLevel * sigma, phase);
                break;
            default:
                _impacts.Add(x, _settings.BpfiOrder * shaftHz, _settings.InnerRaceLevel * sigma, phase, shaftHz, InnerRaceDepth);
                break;
        }
    }

    // θ of the window's component A·sin(ω i + θ): Hann-weighted correlations with sin and cos (0 when there is none)
    // x: [n] finite samples
    private static double OneTimesPhase(ReadOnlySpan<float> x, double mean, double omega)
    {
        int n = x.Length;
        if (n < 2) return 0;
        double sine = 0, cosine = 0;
        for (int i = 0; i < n; i++)
        {
            double w = 0.5 - 0.5 * Math.Cos(2 * Math.PI * i / (n - 1));
            double v = w * (x[i] - mean);
            sine += v * Math.Sin(omega * i);
            cosine += v * Math.Cos(omega * i);
        }
        return Math.Atan2(cosine, sine);
    }
}
