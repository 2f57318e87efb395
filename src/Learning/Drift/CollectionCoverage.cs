namespace SensorOdl.Learning.Drift;

/// <summary>
/// Whether the windows collected for a new normal cover it yet (issue 9 item 2). Each window, divided by a per-feature
/// scale, is compared with the windows collected before it: its distance to the nearest one that is more than
/// <see cref="Run"/> windows older (so that a few windows of a new regime cannot be each other's neighbours) against
/// the collection's own typical spread, the median leave-one-out nearest-neighbour distance. When most of the last
/// <see cref="Run"/> windows lie beyond <see cref="Factor"/> times that spread, the stream has entered a region the
/// collection had not seen. The collection is covered once it has gone on without such a region for as long as it took
/// to reach the last one: <see cref="Wanted"/> = max(minimum, 2 × the count at the last new region), capped.
/// The rule has no scale of its own: a regime that returns every hour makes it wait hours, one that returns every
/// minute, minutes. A stream that never settles (a slow ramp) keeps it waiting until the cap — the caller's maximum
/// wait then trains on what is there.
/// </summary>
public sealed class CollectionCoverage
{
    /// <summary>Windows in a run: a new region is most of a run of windows far from everything older than the run.</summary>
    public const int Run = 5;
    /// <summary>Far = beyond this many times the collection's median leave-one-out nearest-neighbour distance.</summary>
    public const double Factor = 2;

    readonly int _d;
    readonly float[] _inverseScale;
    readonly int _minimum;
    readonly int _capacity;
    readonly List<float[]> _windows = [];
    readonly List<double> _nearest = []; // leave-one-out nearest-neighbour distance of every collected window
    readonly bool[] _recentFar = new bool[Run];
    bool _inRegion;
    int _lastRegionAt;

    /// <param name="scale">Per-feature spread ([d], e.g. the model's normaliser) the distances are measured in.</param>
    /// <param name="minimum">Windows wanted at the least.</param>
    /// <param name="capacity">Windows wanted at the most (and kept in memory at the most).</param>
    public CollectionCoverage(float[] scale, int minimum, int capacity)
    {
        ArgumentNullException.ThrowIfNull(scale);
        ArgumentOutOfRangeException.ThrowIfLessThan(minimum, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, minimum);
        _d = scale.Length;
        _inverseScale = [.. scale.Select(s => s > 0 && float.IsFinite(s) ? 1f / s : 1f)];
        _minimum = minimum;
        _capacity = capacity;
    }

    public int Count => _windows.Count;
    /// <summary>The current estimate of the windows the collection needs; grows while new regions keep appearing.</summary>
    public int Wanted => Math.Min(_capacity, Math.Max(_minimum, 2 * _lastRegionAt));
    public bool Covered => Count >= Wanted;
    /// <summary>New regions seen after the first windows (0 = the collection looked alike from the start).</summary>
    public int NewRegions { get; private set; }

    public void Add(ReadOnlySpan<float> features)
    {
        if (features.Length != _d) throw new ArgumentException($"Expected {_d} features, got {features.Length}.", nameof(features));
        if (Count >= _capacity) return;
        var z = new float[_d];
        for (int i = 0; i < _d; i++) z[i] = features[i] * _inverseScale[i];

        int n = _windows.Count;
        double nearest = double.PositiveInfinity, nearestOlder = double.PositiveInfinity;
        for (int j = 0; j < n; j++)
        {
            double distance = Distance(z, _windows[j]);
            if (distance < _nearest[j]) _nearest[j] = distance;
            if (distance < nearest) nearest = distance;
            if (j < n - Run && distance < nearestOlder) nearestOlder = distance;
        }
        _windows.Add(z);
        _nearest.Add(nearest);

        bool far = n > Run && nearestOlder > Factor * MedianNearest();
        Array.Copy(_recentFar, 1, _recentFar, 0, Run - 1);
        _recentFar[Run - 1] = far;
        bool region = _recentFar.Count(f => f) > Run / 2;
        if (region)
        {
            if (!_inRegion) NewRegions++;
            _lastRegionAt = Count;
        }
        _inRegion = region;
    }

    double MedianNearest()
    {
        double[] finite = [.. _nearest.Where(double.IsFinite)];
        if (finite.Length == 0) return 0;
        Array.Sort(finite);
        return finite[finite.Length / 2];
    }

    double Distance(float[] a, float[] b)
    {
        double sum = 0;
        for (int i = 0; i < _d; i++)
        {
            double t = a[i] - b[i];
            sum += t * t;
        }
        return Math.Sqrt(sum);
    }
}
