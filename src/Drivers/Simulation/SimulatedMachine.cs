namespace SensorOdl.Drivers.Simulation;

/// <summary>
/// A rotating machine seen by an accelerometer on its bearing housing, in g: shaft lines (1×, 2×, 3×), bearing-defect
/// impacts at BPFO/BPFI ringing a structural resonance, and broadband noise. Deterministic by seed; phases carry over
/// between windows and across speed changes. Condition and faults can be changed at any time from any thread; a change
/// takes effect at the next window.
/// </summary>
public sealed class SimulatedMachine
{
    private const double TwoPi = 2 * Math.PI;
    private const double ImpactDecayS = 0.0008;
    private readonly BearingGeometry _bearing;
    private GaussianNoise _noise;
    private volatile MachineCondition _condition;
    private volatile MachineFaults _faults;
    private double _shaftPhase;     // revolutions, fractional part kept
    private double _outerPhase;     // ball passes, outer race
    private double _innerPhase;     // ball passes, inner race
    private double _sinceOuterImpactS = double.MaxValue;
    private double _sinceInnerImpactS = double.MaxValue;
    private double _innerImpactAmplitude;

    public SimulatedMachine(double sampleRateHz, int seed = 1, MachineCondition? condition = null, MachineFaults? faults = null, BearingGeometry? bearing = null)
    {
        if (!(sampleRateHz > 0)) throw new ArgumentException($"SampleRateHz must be positive, not {sampleRateHz}.");
        SampleRateHz = sampleRateHz;
        Seed = seed;
        _noise = new GaussianNoise((ulong)(uint)seed);
        _condition = condition ?? MachineCondition.Default;
        _condition.Validate();
        _faults = faults ?? MachineFaults.None;
        _faults.Validate();
        _bearing = bearing ?? BearingGeometry.Skf6205;
    }

    public double SampleRateHz { get; }
    public int Seed { get; }
    public MachineCondition Condition => _condition;
    public MachineFaults Faults => _faults;
    public BearingGeometry Bearing => _bearing;

    /// <summary>Samples generated so far.</summary>
    public long SamplesGenerated { get; private set; }

    /// <summary>Simulated time in seconds.</summary>
    public double TimeS => SamplesGenerated / SampleRateHz;

    /// <summary>Changes speed, load or mounting (the drift).</summary>
    public void SetCondition(MachineCondition condition)
    {
        condition.Validate();
        _condition = condition;
    }

    /// <summary>Injects (or, with <see cref="MachineFaults.None"/>, clears) faults.</summary>
    public void InjectFaults(MachineFaults faults)
    {
        faults.Validate();
        _faults = faults;
    }

    // samples: [n] acceleration in g at SampleRateHz, continuing where the last call stopped
    public void Generate(Span<float> samples)
    {
        var condition = _condition;
        var faults = _faults;
        double dt = 1.0 / SampleRateHz;
        double shaftStep = condition.ShaftHz * dt;
        double outerStep = condition.ShaftHz * _bearing.Bpfo * dt;
        double innerStep = condition.ShaftHz * _bearing.Bpfi * dt;
        double speedSquared = condition.ShaftHz * condition.ShaftHz / (29.95 * 29.95); // forces grow with ω²
        double a1 = 0.04 * speedSquared * (1 + 6 * faults.Imbalance);
        double a2 = 0.015 * speedSquared * (1 + condition.Load);
        double a3 = 0.008 * speedSquared * (1 + condition.Load);
        double outerAmplitude = 1.2 * faults.OuterRace * (0.6 + 0.4 * condition.Load);
        double innerAmplitude = 1.0 * faults.InnerRace * (0.6 + 0.4 * condition.Load);
        double resonanceOmega = TwoPi * condition.ResonanceHz;
        double gain = condition.MountingGain;

        for (int i = 0; i < samples.Length; i++)
        {
            double angle = TwoPi * _shaftPhase;
            double v = a1 * Math.Sin(angle) + a2 * Math.Sin(2 * angle + 0.7) + a3 * Math.Sin(3 * angle + 1.9);

            if (outerAmplitude > 0)
            {
                if (_sinceOuterImpactS < 10) v += outerAmplitude * Ring(_sinceOuterImpactS, resonanceOmega);
            }
            if (innerAmplitude > 0 && _sinceInnerImpactS < 10)
                v += _innerImpactAmplitude * Ring(_sinceInnerImpactS, resonanceOmega);

            v = gain * v + condition.NoiseG * _noise.Next();
            samples[i] = (float)v;

            _shaftPhase = Advance(_shaftPhase, shaftStep, out _);
            _outerPhase = Advance(_outerPhase, outerStep, out bool outerImpact);
            _innerPhase = Advance(_innerPhase, innerStep, out bool innerImpact);
            _sinceOuterImpactS = outerImpact ? 0 : _sinceOuterImpactS + dt;
            if (innerImpact)
            {
                _sinceInnerImpactS = 0;
                // strongest when the defect on the rotating inner race passes through the load zone
                _innerImpactAmplitude = innerAmplitude * (0.55 + 0.45 * Math.Cos(TwoPi * _shaftPhase));
            }
            else
            {
                _sinceInnerImpactS += dt;
            }
        }
        SamplesGenerated += samples.Length;
    }

    private static double Ring(double sinceS, double omega) => Math.Exp(-sinceS / ImpactDecayS) * Math.Sin(omega * sinceS);

    private static double Advance(double phase, double step, out bool wrapped)
    {
        phase += step;
        wrapped = phase >= 1;
        return wrapped ? phase - Math.Floor(phase) : phase;
    }
}
