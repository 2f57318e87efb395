namespace SensorOdl.Drivers.Features.Probes;

/// <summary>
/// The largest amplitude a spectrum probe may write: the sensor's saturation. The fan spectra are clipped at 1.0 (a dozen
/// bins sit exactly there in a normal frame at full speed, more in a damaged one), so a probe that pushed a line above the
/// clip would make something the sensor can never deliver; it saturates instead, as real damage does.
/// </summary>
internal static class SpectrumCeiling
{
    /// <summary>
    /// <paramref name="configured"/> when positive; else <paramref name="fullScale"/> when positive; else the frame's
    /// maximum when two or more bins share it (within <see cref="SpectrumLines.PlateauTolerance"/> in log); else +∞.
    /// </summary>
    // logs: [N] ln(a + floor) by bin  amplitudes: [N] the same bins as amplitudes
    public static float Of(ReadOnlySpan<float> logs, ReadOnlySpan<float> amplitudes, double configured, double fullScale)
    {
        if (configured > 0) return (float)configured;
        if (fullScale > 0) return (float)fullScale;
        float maxLog = float.NegativeInfinity, maxAmplitude = 0;
        for (int b = 1; b < logs.Length; b++)
        {
            if (logs[b] > maxLog) maxLog = logs[b];
            if (amplitudes[b] > maxAmplitude) maxAmplitude = amplitudes[b];
        }
        int atMax = 0;
        for (int b = 1; b < logs.Length; b++)
            if (logs[b] >= maxLog - SpectrumLines.PlateauTolerance) atMax++;
        return atMax >= 2 && maxAmplitude > 0 ? maxAmplitude : float.PositiveInfinity;
    }
}
