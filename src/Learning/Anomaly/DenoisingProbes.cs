namespace SensorOdl.Learning.Anomaly;

/// <summary>
/// Fault probes as denoising rows of an autoencoder's fit (<see cref="AdaptationOptions.Denoise"/>): a share of the fit
/// windows, spread evenly, also enter as a probe of themselves (the kinds in turn), with the clean window as the
/// reconstruction target. The fit learns to give back the normal window under a fault-like change instead of copying
/// the change through, so a window with such a change reconstructs badly and scores high. Off by default: it lowered
/// false alarms and lifted two quiet → loud pairs, but cost recall elsewhere, and a version taught the probes passes the
/// probe guard that would have had it refitted (docs/BENCHMARKS.md, issue 9 session 12).
/// </summary>
public static class DenoisingProbes
{
    /// <summary>Forward-cache id of the probe of kind p of sample id s: ProbeIdBase − 16 s − p, below every reservoir id.</summary>
    internal const long ProbeIdBase = -(1L << 50);
    internal const int MaxKinds = 16;

    /// <param name="fitRaw">[f, d] raw features of the fit windows, with their sample ids.</param>
    /// <param name="share">Probes per fit window, 0–1.</param>
    /// <returns>[h, d] raw probes, the fit rows they were made from ([h]) and their forward-cache ids ([h]); windows without
    /// stored probes give none.</returns>
    public static (float[] Probes, int[] Rows, long[] Ids) Of(ProbeSet probes, float[] fitRaw, long[] fitIds, int d, double share)
    {
        int f = fitIds.Length, k = probes.Kinds.Count;
        if (k > MaxKinds) throw new ArgumentException($"At most {MaxKinds} probe kinds can be denoised, not {k}.", nameof(probes));
        int[] chosen = [.. Enumerable.Range(0, f).Where(i => Math.Floor((i + 1) * share) > Math.Floor(i * share))];
        long[] chosenIds = [.. chosen.Select(i => fitIds[i])];
        // Probes only of the chosen windows: every kind of each is made (or stored), one is used.
        IReadOnlyList<float[]?> made = probes.Stored is { } stored
            ? stored(chosenIds)
            : Split(probes.Make([.. chosen.SelectMany(i => fitRaw.AsSpan(i * d, d).ToArray())], chosen.Length), chosen.Length, k * d);
        var result = new List<float>();
        var rows = new List<int>();
        var ids = new List<long>();
        for (int j = 0, used = 0; j < chosen.Length; j++)
        {
            if (made[j] is not { } row) continue;
            int kind = used++ % k;
            result.AddRange(row.AsSpan(kind * d, d));
            rows.Add(chosen[j]);
            ids.Add(ProbeIdBase - MaxKinds * chosenIds[j] - kind);
        }
        return ([.. result], [.. rows], [.. ids]);
    }

    static float[][] Split(float[] made, int n, int rowLength) =>
        [.. Enumerable.Range(0, n).Select(i => made.AsSpan(i * rowLength, rowLength).ToArray())];
}
