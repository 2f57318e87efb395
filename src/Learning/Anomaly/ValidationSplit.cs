namespace SensorOdl.Learning.Anomaly;

/// <summary>Which new-normal windows validate a candidate (<c>Adaptation:Validation</c>).</summary>
public enum Validation
{
    /// <summary>Every 4th window validates, the next calibrates, the rest fit: all three span the whole collection.</summary>
    Interleaved,
    /// <summary>
    /// The latest quarter in data time validates; of the earlier windows every 3rd calibrates and the rest fit. The
    /// candidate must hold the false-alarm budget, at the threshold of the earlier windows, on windows later than any
    /// it was fitted or calibrated on — so a fit that covered only the first conditions of a new normal shows its false
    /// alarms before it is promoted (and the next job, still in the same drift episode, fits every window since the onset).
    /// </summary>
    Later,
    /// <summary>
    /// As <see cref="Interleaved"/> (a quarter validates, a quarter calibrates, half fits, all spanning the collection)
    /// but by runs of <see cref="ValidationSplit.BlockWindows"/> consecutive windows: a held-out window is then mostly
    /// several windows away from the nearest fitted one, not its next-door neighbour, so the threshold and the false
    /// alarms are measured on windows about as new to the fit as the ones that follow it.
    /// </summary>
    Blocked,
}

/// <summary>The split of a job's windows (in data-time order) into validation, calibration and fit rows.</summary>
public static class ValidationSplit
{
    /// <summary>Consecutive windows per run of the <see cref="Validation.Blocked"/> split (fewer in a collection under 128 windows).</summary>
    public const int BlockWindows = 8;

    /// <summary>
    /// The run length of a blocked split of <paramref name="n"/> windows: <see cref="BlockWindows"/>, shortened so that
    /// the split keeps at least 4 cycles of validate, calibrate, fit, fit (16 windows → runs of 1, as interleaved), or a
    /// small retrain would hold out every window it has.
    /// </summary>
    public static int BlockRun(int n) => Math.Clamp(n / 16, 1, BlockWindows);

    public static (int[] Validation, int[] Calibration, int[] Fit) Of(int n, Validation how)
    {
        if (how is Validation.Interleaved or Validation.Blocked)
        {
            int run = how == Validation.Blocked ? BlockRun(n) : 1;
            return ([.. Enumerable.Range(0, n).Where(i => i / run % 4 == 0)], [.. Enumerable.Range(0, n).Where(i => i / run % 4 == 1)],
                [.. Enumerable.Range(0, n).Where(i => i / run % 4 > 1)]);
        }
        int earlier = n - Math.Max(2, n / 4);
        return ([.. Enumerable.Range(earlier, n - earlier)], [.. Enumerable.Range(0, earlier).Where(i => i % 3 == 0)],
            [.. Enumerable.Range(0, earlier).Where(i => i % 3 != 0)]);
    }

    /// <summary>
    /// Whether <paramref name="share"/> flagged of <paramref name="count"/> validation windows is more than a
    /// <paramref name="budget"/> lets through by chance: the binomial probability of that many or more is below 1 %.
    /// </summary>
    public static bool ExceedsBudget(double share, int count, double budget)
    {
        int flagged = (int)Math.Round(share * count);
        // At or under the expected count the tail holds at least half (a binomial's median is ⌊np⌋ or ⌈np⌉): no sum needed,
        // which spares the refine watch its loop on most of the windows it counts.
        if (count == 0 || flagged <= count * budget) return false;
        return 1 - AtMost(flagged - 1, count, budget) < 0.01;
    }

    /// <summary>
    /// Whether <paramref name="flagged"/> of <paramref name="count"/> windows is fewer than a model flagging
    /// <paramref name="rate"/> of them lets through by chance: the binomial probability of that many or fewer is below 1 %.
    /// </summary>
    public static bool UnderRate(long flagged, long count, double rate) =>
        count > 0 && flagged < count * rate && AtMost((int)flagged, (int)count, rate) < 0.01; // at or over the expected count: half or more

    /// <summary>
    /// P(X ≤ <paramref name="most"/>) for X ~ Binomial(<paramref name="count"/>, <paramref name="p"/>). The terms are stepped
    /// in logarithms: P(X = 0) = (1 − p)^n underflows to 0 beyond n ≈ 35,000 at p = 2 % (an hour of windows from a fast
    /// sensor), and every term stepped from it by multiplication would stay 0.
    /// </summary>
    static double AtMost(int most, int count, double p)
    {
        double sum = 0, logTerm = count * Math.Log(1 - p); // ln P(X = 0)
        for (int x = 0; x <= most && x <= count; x++)
        {
            sum += Math.Exp(logTerm);
            logTerm += Math.Log((count - x) / (double)(x + 1) * p / (1 - p));
        }
        return Math.Min(1, sum);
    }
}
