namespace SensorOdl.Drivers.Features;

/// <summary>Inspects raw samples for non-finite values and clipping before any statistic sees them.</summary>
public static class SampleQuality
{
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
}
