using SensorOdl.Learning.Baselines;

namespace SensorOdl.Learning.Anomaly;

/// <summary>Synthetic fault probes of normal windows, by kind (made by the caller, who knows the sensor and the feature transform).</summary>
/// <param name="Kinds">The probe kinds, in the order <see cref="Make"/> interleaves them.</param>
/// <param name="Make">[n, d] raw features of normal windows → [n·k, d] raw features: window i's probe of kind p is row i·k + p.</param>
/// <param name="Stored">Instead of <see cref="Make"/>, probes made earlier from the raw windows (waveforms: their features cannot be
/// turned back into a window), looked up by sample id; a window without stored probes gives none.</param>
/// <param name="Advisory">The verdict is reported (events, model record) but never refuses a candidate.</param>
public sealed record ProbeSet(IReadOnlyList<string> Kinds, ProbeMaker Make, StoredProbes? Stored = null, bool Advisory = false)
{
    /// <summary>Probes looked up by sample id (<see cref="Make"/> is not available).</summary>
    public static ProbeSet FromStore(IReadOnlyList<string> kinds, StoredProbes stored, bool advisory = false) =>
        new(kinds, (_, _) => throw new NotSupportedException("These probes are made from raw windows and looked up by sample id."), stored, advisory);

    /// <summary>[h·k, d] probes of the windows that have them (all of them when made from features), and how many windows that is.</summary>
    public (float[] Probes, int Windows) Of(float[] windows, long[]? ids, int n, int d)
    {
        if (Stored is null) return (Make(windows, n), n);
        if (ids is null || ids.Length != n) throw new ArgumentException("Stored probes are looked up by sample id: give one id per window.", nameof(ids));
        var made = new List<float>();
        int found = 0;
        foreach (float[]? probes in Stored(ids))
        {
            if (probes is null) continue;
            if (probes.Length != Kinds.Count * d) throw new ArgumentException($"A stored probe row holds {probes.Length} values, not {Kinds.Count} × {d}.");
            made.AddRange(probes);
            found++;
        }
        return ([.. made], found);
    }
}

/// <summary>
/// Synthetic fault probes of normal windows: [n, d] raw features in, [n·k, d] raw features of k perturbed copies
/// of each out.
/// </summary>
public delegate float[] ProbeMaker(float[] windows, int n);

/// <summary>Sample ids → each window's stored probes ([k·d] raw features, kind by kind), null where none were stored.</summary>
public delegate IReadOnlyList<float[]?> StoredProbes(long[] ids);

/// <summary>One probe kind's verdict: what the candidate flags, what the yardsticks flag, and the bar between them.</summary>
/// <param name="Candidate">Share of the probes made from held-back new-normal windows that the candidate flags.</param>
/// <param name="Neighbours">Share of the same probes a nearest-neighbour detector fitted on the same new normal flags.</param>
/// <param name="Reference">What the candidate is held to: the lower of <paramref name="Neighbours"/> and the base's own probe recall
/// (and, with <see cref="ProbeBar.Unadapted"/>, of what the network without adapters flags).</param>
public sealed record ProbeKindVerdict(string Kind, double Candidate, double Neighbours, double Reference)
{
    /// <summary>With <see cref="ProbeBar.Unadapted"/>: the share the network without adapters flags (through the candidate's normaliser).</summary>
    public double? Unadapted { get; init; }
    /// <summary>The bar without the unadapted network's cap: the lower of <see cref="Neighbours"/> and the base's own probe recall.</summary>
    public double RoomBar { get; init; } = Reference;
    /// <summary>For a refit of the model in use: the share of the same probes that model flags at its own threshold.</summary>
    public double? InUse { get; init; }

    /// <summary>What the candidate flags of this kind beside what the yardsticks flag, in words.</summary>
    public string Shortfall => $"it flags {Candidate:P1} of synthetic {Kind} probes of the new normal, " +
        $"a nearest-neighbour detector fitted on the same windows {Neighbours:P1}" +
        (Unadapted is double unadapted ? $", the network without adapters {unadapted:P1}" : "");
}

/// <summary>The probe guard's verdict over every kind.</summary>
/// <param name="Windows">How many held-back windows the probes were made from.</param>
/// <param name="Advisory">Reported only: a failed verdict does not refuse the candidate (<see cref="ProbeSet.Advisory"/>).</param>
public sealed record ProbeVerdict(IReadOnlyList<ProbeKindVerdict> Kinds, double MaxDrop, int Windows = 0, bool Advisory = false)
{
    /// <summary>Why a failed verdict was waived for this candidate (<see cref="AdaptationOptions.WaiveProbesAbove"/>); null when it was not.</summary>
    public string? Waiver { get; init; }
    public double Recall => Kinds.Average(k => k.Candidate);
    public double Reference => Kinds.Average(k => k.Reference);
    /// <summary>The kind the candidate falls furthest below its bar on.</summary>
    public ProbeKindVerdict Worst => Kinds.MaxBy(k => k.Reference - k.Candidate)!;
    public bool Passed => Worst.Reference - Worst.Candidate <= MaxDrop + 1e-9;
    /// <summary>
    /// A kind the candidate passes only because the network without adapters does not see it in this room either, while a
    /// nearest-neighbour detector on the same windows does (<see cref="ProbeKindVerdict.RoomBar"/>); null when there is none.
    /// </summary>
    public ProbeKindVerdict? ShortOfRoom => Kinds.Where(k => k.RoomBar - k.Candidate > MaxDrop + 1e-9).MaxBy(k => k.RoomBar - k.Candidate);
    /// <summary>The candidate is refused: it failed, the guard is enforced and was not waived.</summary>
    public bool Blocks => !Passed && !Advisory && Waiver is null;
    /// <summary>Why a failed verdict did not refuse the candidate, for its reason.</summary>
    public string NotEnforced => Waiver ?? "not enforced";
    /// <summary>A failed verdict that did not refuse the candidate, and why, for status `attention` once it is in use.</summary>
    public string PromotedAnyway => $"{Blindness}; {Waiver ?? "that check is reported, not enforced"}";

    public string Blindness => $"blind to synthetic {Worst.Kind} probes: it flags {Worst.Candidate:P1} of those made from the new normal, " +
        $"a nearest-neighbour detector fitted on the same windows {Worst.Neighbours:P1}" +
        (Worst.Unadapted is double unadapted ? $", the network without adapters {unadapted:P1}" : "") + $" (at most {MaxDrop:P0} less than {Worst.Reference:P1} allowed)";
}

/// <summary>
/// The recall guard that needs no labelled fault. Each kind of probe is applied to held-back windows of the new
/// normal; the candidate must flag, kind by kind, nearly as many as can be told apart from that normal at all.
/// "Can be told apart" is measured, not assumed: a nearest-neighbour detector fitted on the candidate's own fit
/// windows, at the same false-alarm budget, says which probes lie outside the variety the new environment shows
/// (a broadband lift is invisible in a room whose noise floor itself wanders). The bar for a kind is the lower of
/// that share and the base's recall on probes of its own training windows (<see cref="AnomalyModel.ProbeReference"/>,
/// when the base has one): a candidate is not asked to beat the base, only not to fall more than the allowed drop
/// below what the environment permits. The base's reference alone would confuse the room with the model: the
/// same probe is easy to see in one room and hidden in another.
/// </summary>
public static class ProbeGuard
{
    /// <param name="score">The candidate: [count, d] raw features → [count] scores, flagged above <paramref name="threshold"/>.</param>
    /// <param name="held">[h, d] raw held-back new-normal windows the probes are made from.</param>
    /// <param name="fit">[f, d] raw windows the candidate was fitted on.</param>
    /// <param name="calibration">[c, d] raw windows its threshold was calibrated on.</param>
    /// <param name="heldIds">The sample ids of <paramref name="held"/>, for probes stored by id (<see cref="ProbeSet.Stored"/>).</param>
    /// <param name="unadapted">The same network without adapters, read through the candidate's normaliser, and its threshold
    /// at the same budget on the same calibration windows (<see cref="ProbeBar.Unadapted"/>): when given, the bar of a kind
    /// is also capped by the share of the probes it flags.</param>
    /// <param name="inUse">The model in use and its threshold, when the candidate is a refit of it: each kind's <see cref="ProbeKindVerdict.InUse"/>.</param>
    /// <returns>null when none of the held-back windows has probes (stored probes of windows kept before they were made).</returns>
    public static ProbeVerdict? Judge(Func<float[], int, float[]> score, float threshold, ProbeSet probes,
        float[] held, float[] fit, float[] calibration, int d, double falseAlarmBudget, double? baseReference, double maxDrop, long[]? heldIds = null,
        (Func<float[], int, float[]> Score, float Threshold)? unadapted = null, (Func<float[], int, float[]> Score, float Threshold)? inUse = null)
    {
        int k = probes.Kinds.Count;
        (float[] made, int h) = probes.Of(held, heldIds, held.Length / d, d); // [h·k, d]
        if (made.Length != h * k * d) throw new ArgumentException($"The probe maker gave {made.Length / d} probes for {h} windows of {k} kinds.");
        if (h == 0) return null;
        float[] candidate = score(made, h * k);
        NearestNeighbourDetector neighbours = NearestNeighbourDetector.Fit(fit, fit.Length / d, calibration, d, falseAlarmBudget);
        float[] yardstick = neighbours.Scores(made, h * k);
        float[]? plain = unadapted?.Score(made, h * k);
        float[]? current = inUse?.Score(made, h * k);

        double Share(float[] scores, float bar, int kind) => h == 0 ? 0 : Enumerable.Range(0, h).Count(i => scores[i * k + kind] > bar) / (double)h;
        return new ProbeVerdict([.. probes.Kinds.Select((name, kind) =>
        {
            double seen = Share(yardstick, neighbours.Threshold, kind);
            double? unadaptedSees = plain is null ? null : Share(plain, unadapted!.Value.Threshold, kind);
            double roomBar = Math.Min(seen, baseReference ?? 1);
            return new ProbeKindVerdict(name, Share(candidate, threshold, kind), seen, Math.Min(roomBar, unadaptedSees ?? 1))
            {
                Unadapted = unadaptedSees,
                RoomBar = roomBar,
                InUse = current is null ? null : Share(current, inUse!.Value.Threshold, kind),
            };
        })], maxDrop, h, probes.Advisory);
    }
}

/// <summary>What caps the probe guard's bar besides the room's neighbours and the base's own reference (<c>Adaptation:ProbeBar</c>).</summary>
public enum ProbeBar
{
    /// <summary>Nothing else: the bar is what a nearest-neighbour detector in the new room flags, capped by the base's own reference.</summary>
    Room,
    /// <summary>
    /// Also capped by what the same network without adapters flags, read through the candidate's normaliser and thresholded at
    /// the same budget on the same calibration windows. Blindness is then what the adaptation lost: a probe kind this network
    /// does not see in this room even unadapted (a broadband lift it reconstructs as a louder room) does not refuse a refit,
    /// while adapters that learnt to reconstruct what the unadapted network still flags do.
    /// </summary>
    Unadapted,
}
