namespace SensorOdl.Daemon.Host;

/// <summary>
/// One line on the managed heap for memory measurements (bench/measure-daemon.sh sets SENSORODL_GC_REPORT=1):
/// what the last collection left live, what the GC holds committed, and how many collections of each generation ran.
/// </summary>
static class GcHeapReport
{
    public static bool Enabled { get; } = Environment.GetEnvironmentVariable("SENSORODL_GC_REPORT") == "1";

    public static string Describe()
    {
        GCMemoryInfo info = GC.GetGCMemoryInfo(GCKind.Any);
        static long Mb(long bytes) => bytes >> 20;
        string generations = string.Join(" ", Enumerable.Range(0, info.GenerationInfo.Length).Select(g => $"g{g} {Mb(info.GenerationInfo[g].SizeAfterBytes)}"));
        return $"gc heap: {Mb(info.HeapSizeBytes)} MB after the last collection ({generations}), committed {Mb(info.TotalCommittedBytes)} MB, " +
            $"fragmented {Mb(info.FragmentedBytes)} MB, collections {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}, " +
            $"allocated {Mb(GC.GetTotalAllocatedBytes())} MB in all";
    }
}
