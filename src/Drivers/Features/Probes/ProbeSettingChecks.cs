namespace SensorOdl.Drivers.Features.Probes;

/// <summary>The checks the probe settings share; each throws <see cref="ArgumentException"/> naming the setting.</summary>
internal static class ProbeSettingChecks
{
    public static void NonNegative(double value, string name)
    {
        if (!(value >= 0) || double.IsInfinity(value)) throw new ArgumentException($"{name} must be finite and ≥ 0, not {value}.");
    }

    public static void Positive(double value, string name)
    {
        if (!(value > 0) || double.IsInfinity(value)) throw new ArgumentException($"{name} must be positive, not {value}.");
    }
}
