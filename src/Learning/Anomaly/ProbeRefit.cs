namespace SensorOdl.Learning.Anomaly;

/// <summary>
/// The verdict on a refit of the model in use for recall on one probe kind (<see cref="AdaptationOptions.RefineForProbe"/>):
/// the version in use passed that kind only because the network without adapters is as blind in the new room, and the
/// refit fits more of the room. It is judged by what it is for, not by whether its false alarms fell: its false alarms on
/// the held-back windows must not rise above the version in use's, and on the same probes it must not flag less than the
/// version in use by more than the probe guard's allowed drop. Refusing every refit that fails to flag more of the probes
/// would be stricter than the evidence: a broadband probe share is a noisy stand-in for a damaged fan (fan ×0.75
/// silentA → hum60 at a 5-minute rate limit: a refit at 16.6 % of broadband probes against 25.8 % caught 62.5 % of the
/// damage against 44.2 %; docs/BENCHMARKS.md, issue 9 session 11).
/// </summary>
public static class ProbeRefit
{
    /// <param name="kind">The candidate's verdict on the kind, with <see cref="ProbeKindVerdict.InUse"/>.</param>
    /// <param name="before">The version in use's false alarms on the held-back windows; <paramref name="after"/> the refit's.</param>
    /// <returns>Why the refit is refused, or null when it may be promoted.</returns>
    public static string? Refusal(ProbeKindVerdict kind, double before, double after, double maxDrop)
    {
        if (kind.InUse is not double inUse) throw new ArgumentException("The verdict must carry the version in use's share of the probes.", nameof(kind));
        if (inUse - kind.Candidate > maxDrop + 1e-9)
            return $"the refit flags {kind.Candidate:P1} of synthetic {kind.Kind} probes of the new normal, the version in use {inUse:P1} " +
                $"(at most {maxDrop:P0} less allowed)";
        if (after > before) return $"false alarms on held-back new-normal windows rose ({before:P1} → {after:P1})";
        return null;
    }
}
