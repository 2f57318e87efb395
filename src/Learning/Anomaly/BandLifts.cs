namespace SensorOdl.Learning.Anomaly;

/// <summary>
/// Denoising rows of an autoencoder's fit (<see cref="AdaptationOptions.Denoise"/>): a share of the fit windows, spread
/// evenly, also enter with a band of neighbouring features lifted by <see cref="Amplitude"/> standard deviations of the
/// candidate's normaliser, and the clean window as the reconstruction target. The adapters learn to give back the normal
/// window under a lift no normal window shows instead of passing it through: skip adapters run from the input to the
/// output, and a plain fit can pass part of a change straight through — a damaged fan's thin line beside a loud room's
/// wandering hum (DenoisingTests; on the matrices, a fan heard next to a ventilation fan).
/// The lifts are not the probe guard's kinds, whose verdict stays independent of what the fit was taught (session 12
/// denoised with the guard's own probes and the guard stopped seeing versions that missed damage; docs/BENCHMARKS.md).
/// A window's band depends on its sample id alone, so the same window is lifted the same way in every job.
/// </summary>
public static class BandLifts
{
    /// <summary>How far a band is lifted, in standard deviations of the normaliser: beyond what 99.7 % of normal values reach.</summary>
    public const float Amplitude = 3;
    /// <summary>A band is 1 to d / WidthDivisor neighbouring features wide (up to 31 of the fan spectrum's 511 bins), at least one.</summary>
    public const int WidthDivisor = 16;
    /// <summary>Forward-cache id of the lifted copy of sample id s: IdBase − s, below every reservoir id.</summary>
    internal const long IdBase = -(1L << 50);

    /// <summary>Which of <paramref name="count"/> fit windows get a lifted copy: <paramref name="share"/> of them (0–1), spread evenly.</summary>
    public static int[] Rows(int count, double share) =>
        [.. Enumerable.Range(0, count).Where(i => Math.Floor((i + 1) * share) > Math.Floor(i * share))];

    /// <param name="z">[f, d] normalised fit windows, with their sample ids.</param>
    /// <param name="rows">The fit windows to copy (<see cref="Rows"/>).</param>
    /// <param name="lifted">[rows.Length, d]: receives the lifted copies, written where the caller keeps them (a fit set's tail).</param>
    /// <returns>The copies' forward-cache ids ([rows.Length]).</returns>
    public static long[] Lift(ReadOnlySpan<float> z, long[] ids, int d, int[] rows, Span<float> lifted)
    {
        for (int j = 0; j < rows.Length; j++)
        {
            Span<float> copy = lifted.Slice(j * d, d);
            z.Slice(rows[j] * d, d).CopyTo(copy);
            (int start, int width) = Band(ids[rows[j]], d);
            foreach (ref float value in copy.Slice(start, width)) value += Amplitude;
        }
        return [.. rows.Select(r => IdBase - ids[r])];
    }

    /// <summary>The band of sample <paramref name="id"/>: a width in 1 … max(1, d / 16) and a start that keeps it inside [0, d).</summary>
    internal static (int Start, int Width) Band(long id, int d)
    {
        ulong bits = SplitMix((ulong)id);
        int width = 1 + (int)(bits % (ulong)Math.Max(1, d / WidthDivisor));
        int start = (int)((bits >> 32) % (ulong)(d - width + 1));
        return (start, width);
    }

    // SplitMix64's output function: neighbouring ids get unrelated bands.
    static ulong SplitMix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
