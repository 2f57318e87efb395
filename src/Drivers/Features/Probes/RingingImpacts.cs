namespace SensorOdl.Drivers.Features.Probes;

/// <summary>
/// A train of bearing-defect impacts, each ringing a structural resonance: e^(−t/τ)·sin(2π f_res t) from the impact on,
/// cut where the envelope has fallen to 10⁻³. The ring is computed once; adding a train allocates nothing.
/// </summary>
internal sealed class RingingImpacts
{
    private readonly float[] _ring; // [L] one impact of unit envelope
    private readonly double _sampleRateHz;

    public RingingImpacts(double sampleRateHz, double resonanceHz, double decayS)
    {
        _sampleRateHz = sampleRateHz;
        double resonance = Math.Min(resonanceHz, 0.4 * sampleRateHz); // stays below Nyquist on slow sensors
        int length = Math.Max(1, (int)Math.Ceiling(decayS * Math.Log(1000) * sampleRateHz));
        _ring = new float[length];
        for (int i = 0; i < length; i++)
        {
            double t = i / sampleRateHz;
            _ring[i] = (float)(Math.Exp(-t / decayS) * Math.Sin(2 * Math.PI * resonance * t));
        }
    }

    /// <summary>Samples one impact rings for.</summary>
    public int Length => _ring.Length;

    /// <summary>
    /// Adds impacts at t_j = (phase + j) / rateHz (j over every integer whose ring reaches the window), impact j scaled by
    /// amplitude × (1 − depth + depth·cos(2π (shaftHz·t_j + phase))): depth 0 = equal impacts (outer race), depth &gt; 0 =
    /// impacts modulated once per revolution as the defect passes the load zone (inner race).
    /// </summary>
    // x: [n] one channel, time order; phase in [0, 1)
    public void Add(Span<float> x, double rateHz, double amplitude, double phase, double shaftHz = 0, double depth = 0)
    {
        if (amplitude == 0 || !(rateHz > 0)) return;
        double period = _sampleRateHz / rateHz; // samples between impacts
        int first = (int)Math.Floor(-(_ring.Length + phase * period) / period);
        for (int j = first; ; j++)
        {
            double at = (phase + j) * period;
            int start = (int)Math.Round(at);
            if (start >= x.Length) break;
            if (start + _ring.Length <= 0) continue;
            double t = at / _sampleRateHz;
            float scale = (float)(amplitude * (1 - depth + depth * Math.Cos(2 * Math.PI * (shaftHz * t + phase))));
            for (int i = Math.Max(start, 0); i < Math.Min(start + _ring.Length, x.Length); i++) x[i] += scale * _ring[i - start];
        }
    }
}
