namespace SensorOdl.Daemon.Tests.PowerCut;

/// <summary>
/// What the state code announced, each stamped with the disk's change count when it was announced (after the call
/// that announces it returned): a cut at count c must keep everything stamped ≤ c. Changes still running at a cut
/// (started before it, announced after) may or may not be kept.
/// </summary>
sealed class Promises
{
    public readonly List<(long At, long Seq, string Json)> Published = [];
    public readonly List<(long At, int Version, string Id)> Versions = [];
    public readonly List<(long Start, long End, int Version)> Activations = [];
    public readonly List<(long Start, long End, long Sample, string Label)> Labels = [];
    public readonly List<(long At, string Id)> SeenIds = [];
    public readonly HashSet<string> CacheScopes = [];
}
