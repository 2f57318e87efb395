namespace SensorOdl.Drivers.Simulation;

/// <summary>Deterministic Gaussian noise: xorshift64* and Box–Muller. Same seed, same sequence, on every platform.</summary>
internal struct GaussianNoise
{
    private ulong _state;
    private double _spare;
    private bool _hasSpare;

    public GaussianNoise(ulong seed)
    {
        _state = seed == 0 ? 0x9E3779B97F4A7C15UL : seed * 0x9E3779B97F4A7C15UL;
        _spare = 0;
        _hasSpare = false;
    }

    public double Next()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare;
        }
        double u1 = (NextUInt64() >> 11) * (1.0 / (1UL << 53));
        double u2 = (NextUInt64() >> 11) * (1.0 / (1UL << 53));
        double radius = Math.Sqrt(-2 * Math.Log(1 - u1));
        _spare = radius * Math.Sin(2 * Math.PI * u2);
        _hasSpare = true;
        return radius * Math.Cos(2 * Math.PI * u2);
    }

    private ulong NextUInt64()
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        return _state * 2685821657736338717UL;
    }
}
