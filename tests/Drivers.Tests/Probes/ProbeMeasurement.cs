using SensorOdl.Drivers.Features.Probes;

namespace SensorOdl.Drivers.Tests.Probes;

/// <summary>
/// One context's measurement (one machine state of one recording set): the normal windows' leave-one-out novelty, each
/// probe kind's novelty (source window left out) and displacement from its source, and real faults' novelty.
/// </summary>
internal sealed class ProbeMeasurement
{
    private readonly NearestNeighbourNovelty _novelty;
    private readonly double[] _normalSorted;

    // normal: n feature vectors (the distance's features: maybe fewer than the probes', see keep)
    public ProbeMeasurement(string context, IReadOnlyList<float[]> normal)
    {
        Context = context;
        Normal = normal;
        _novelty = new NearestNeighbourNovelty(normal);
        _normalSorted = Enumerable.Range(0, normal.Count).Select(i => _novelty.Score(normal[i], i)).Order().ToArray();
        NormalQ99 = Quantile(_normalSorted, 0.99);
    }

    public string Context { get; }
    public IReadOnlyList<float[]> Normal { get; }
    public double NormalMedian => Quantile(_normalSorted, 0.5);
    public double NormalQ99 { get; }
    public List<Row> Probes { get; } = [];
    public List<Row> Faults { get; } = [];

    /// <summary>Probes of every normal window: <paramref name="make"/>(i, output [Count, size]) writes window i's probes.</summary>
    public void AddProbes(FaultProbes probes, Action<int, float[]> make, int keep)
    {
        var output = new float[probes.Count * probes.Size];
        var novelty = new double[probes.Count][];
        var moved = new double[probes.Count][];
        for (int p = 0; p < probes.Count; p++)
        {
            novelty[p] = new double[Normal.Count];
            moved[p] = new double[Normal.Count];
        }
        for (int i = 0; i < Normal.Count; i++)
        {
            make(i, output);
            for (int p = 0; p < probes.Count; p++)
            {
                var row = output.AsSpan(p * probes.Size, keep);
                novelty[p][i] = _novelty.Score(row, i);
                moved[p][i] = _novelty.Distance(row, Normal[i]);
            }
        }
        for (int p = 0; p < probes.Count; p++) Probes.Add(Summarise(probes.Names[p], novelty[p], moved[p]));
    }

    public void AddFault(string name, IReadOnlyList<float[]> windows) =>
        Faults.Add(Summarise(name, windows.Select(x => _novelty.Score(x)).ToArray(), null));

    public Row Probe(string name) => Probes.Single(r => r.Name == name);

    public IEnumerable<string> Table()
    {
        yield return $"{Context}: {Normal.Count} normal windows, novelty median {NormalMedian:F2}, q99 {NormalQ99:F2}";
        foreach (var r in Probes.Concat(Faults))
            yield return $"  {r.Name,-12} novelty median {r.Median:F2}  above normal q99 {100 * r.AboveQ99:F0} %" +
                (double.IsNaN(r.MovedMedian) ? $"  ({r.Count} windows)" : $"  moved from its source {r.MovedMedian:F2}");
    }

    private Row Summarise(string name, double[] novelty, double[]? moved) => new(
        name, novelty.Length, Quantile(novelty.Order().ToArray(), 0.5),
        novelty.Count(s => s > NormalQ99) / (double)novelty.Length,
        moved is null ? double.NaN : Quantile(moved.Order().ToArray(), 0.5));

    private static double Quantile(double[] sorted, double q)
    {
        double at = q * (sorted.Length - 1);
        int low = (int)Math.Floor(at), high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (at - low) * (sorted[high] - sorted[low]);
    }

    /// <param name="Median">Median novelty.</param>
    /// <param name="AboveQ99">Share of windows whose novelty is above the normal windows' 99th percentile.</param>
    /// <param name="MovedMedian">Median distance of a probe from its source window (NaN for real faults).</param>
    public sealed record Row(string Name, int Count, double Median, double AboveQ99, double MovedMedian);
}
