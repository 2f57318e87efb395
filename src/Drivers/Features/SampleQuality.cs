namespace SensorOdl.Drivers.Features;

/// <summary>Inspects raw samples for non-finite values, clipping and stuck-at values before any statistic sees them.</summary>
public static class SampleQuality
{
    /// <summary>At most this many distinct values in a window of <see cref="StuckMinSamples"/> or more is a stuck channel.</summary>
    public const int StuckCodes = 3;

    /// <summary>Below this many samples only a single repeated value counts as stuck (a short window of a slow signal may hold few codes).</summary>
    public const int StuckMinSamples = 64;

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/>, replacing NaN/±Inf by 0.</summary>
    /// <returns><see cref="WindowFlags.NonFinite"/> when anything was replaced.</returns>
    public static WindowFlags CopyFinite(ReadOnlySpan<float> source, Span<float> destination)
    {
        var flags = WindowFlags.None;
        for (int i = 0; i < source.Length; i++)
        {
            float v = source[i];
            if (float.IsFinite(v))
            {
                destination[i] = v;
            }
            else
            {
                destination[i] = 0;
                flags = WindowFlags.NonFinite;
            }
        }
        return flags;
    }

    /// <summary>
    /// Clipping: any sample at or beyond 99.9 % of <paramref name="fullScale"/> when it is known (&gt; 0);
    /// otherwise a run of <paramref name="flatTopRun"/> equal samples at the window's maximum or minimum.
    /// </summary>
    public static WindowFlags DetectClipping(ReadOnlySpan<float> x, double fullScale, int flatTopRun)
    {
        if (x.Length == 0) return WindowFlags.None;
        if (fullScale > 0)
        {
            float limit = (float)(fullScale * 0.999);
            foreach (float v in x)
                if (Math.Abs(v) >= limit) return WindowFlags.Clipped;
            return WindowFlags.None;
        }
        float max = x[0], min = x[0];
        foreach (float v in x)
        {
            if (v > max) max = v;
            if (v < min) min = v;
        }
        if (max == min) return WindowFlags.None; // flat, reported separately
        int runMax = 0, runMin = 0;
        foreach (float v in x)
        {
            runMax = v == max ? runMax + 1 : 0;
            runMin = v == min ? runMin + 1 : 0;
            if (runMax >= flatTopRun || runMin >= flatTopRun) return WindowFlags.Clipped;
        }
        return WindowFlags.None;
    }

    /// <summary>
    /// Stuck-at: the window repeats one value, or (with <see cref="StuckMinSamples"/> samples or more) takes at most
    /// <see cref="StuckCodes"/> distinct values. That covers a frozen register, an input stuck at zero or at a rail, and a
    /// converter stuck on one code whose last bit toggles, which has a little variance and so escapes
    /// <see cref="WindowFlags.Flat"/>. A live signal, even a quiet one, spans far more codes (the CWRU windows take 830 to 1024
    /// distinct values of 1024). Pass finite samples (<see cref="CopyFinite"/>). A spectrum is stuck only when every bin holds
    /// the same value (<paramref name="singleValueOnly"/>): a clean spectrum may be mostly one value (empty bins). Allocates nothing.
    /// </summary>
    public static WindowFlags DetectStuck(ReadOnlySpan<float> x, bool singleValueOnly = false)
    {
        if (x.Length == 0) return WindowFlags.None;
        int limit = x.Length >= StuckMinSamples && !singleValueOnly ? StuckCodes : 1;
        Span<float> seen = stackalloc float[StuckCodes];
        int count = 0;
        foreach (float v in x)
        {
            if (seen[..count].Contains(v)) continue;
            if (count == limit) return WindowFlags.None;
            seen[count++] = v;
        }
        return WindowFlags.StuckAt;
    }
}
