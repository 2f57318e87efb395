namespace SensorOdl.Drivers.Features.Probes;

/// <summary>
/// Where the lines of an amplitude spectrum are, read from its log amplitudes (the spectrum features, so that a probe made
/// from a frame and one made from its stored features find the same lines). Index = bin; bin 0 (DC) is never read.
/// </summary>
internal static class SpectrumLines
{
    /// <summary>Log amplitudes closer than this to the largest count as the same height (a saturated plateau).</summary>
    public const float PlateauTolerance = 1e-4f;

    private const int ProminenceReach = 6;      // neighbours on each side that make a bin's background …
    private const int ProminenceLineHalfWidth = 1; // … leaving out the line itself

    /// <summary>How far each bin stands above its neighbourhood: its log amplitude minus the mean of the bins 2 … 6 away.</summary>
    // logs: [N]  prominence: [N] (bin 0 set to 0)
    public static void Prominence(ReadOnlySpan<float> logs, Span<float> prominence)
    {
        int n = logs.Length;
        prominence[0] = 0;
        for (int b = 1; b < n; b++)
        {
            float sum = 0;
            int count = 0;
            for (int j = ProminenceLineHalfWidth + 1; j <= ProminenceReach; j++)
            {
                if (b - j >= 1) { sum += logs[b - j]; count++; }
                if (b + j < n) { sum += logs[b + j]; count++; }
            }
            prominence[b] = count > 0 ? logs[b] - sum / count : 0;
        }
    }

    /// <summary>
    /// The rotation rate as the fundamental of the strongest harmonic comb: the f in [<paramref name="minBin"/>,
    /// <paramref name="maxBin"/>] (steps of 0.05 bin) whose teeth k·f, k = 1 … <paramref name="teeth"/>, have the largest mean
    /// prominence (each tooth the best of the bins round(k·f) ± 1). Ties go to the lower f. In bins (fractional).
    /// </summary>
    // prominence: [N] from Prominence
    public static double CombFundamental(ReadOnlySpan<float> prominence, double minBin, double maxBin, int teeth)
    {
        int n = prominence.Length;
        double best = double.NegativeInfinity, bestF = minBin;
        int steps = (int)Math.Floor((maxBin - minBin) / 0.05 + 1e-9);
        for (int s = 0; s <= steps; s++)
        {
            double f = minBin + 0.05 * s;
            double sum = 0;
            int count = 0;
            for (int k = 1; k <= teeth; k++)
            {
                int b = (int)Math.Round(k * f);
                if (b + 1 >= n) break;
                if (b - 1 < 1) continue;
                sum += Math.Max(prominence[b], Math.Max(prominence[b - 1], prominence[b + 1]));
                count++;
            }
            if (count == 0) continue;
            double score = sum / count;
            if (score > best)
            {
                best = score;
                bestF = f;
            }
        }
        return bestF;
    }

    /// <summary>
    /// The strongest lines, strongest first: bins picked by prominence, each at least <paramref name="separation"/> + 1 bins
    /// from every line picked before it (a saturated plateau counts once), at or above <paramref name="minBin"/>.
    /// Ties go to the lower bin. Returns how many were found (≤ lines.Length).
    /// </summary>
    // prominence: [N]  lines: [L] bins, written
    public static int StrongestLines(ReadOnlySpan<float> prominence, int minBin, int separation, Span<int> lines)
    {
        int found = 0, first = Math.Max(minBin, 1);
        while (found < lines.Length)
        {
            int best = -1;
            for (int b = first; b < prominence.Length; b++)
            {
                if (best >= 0 && prominence[b] <= prominence[best]) continue;
                bool free = true;
                for (int i = 0; i < found && free; i++) free = Math.Abs(b - lines[i]) > separation;
                if (free) best = b;
            }
            if (best < 0) break;
            lines[found++] = best;
        }
        return found;
    }
}
