using System.Runtime.InteropServices;

namespace SensorOdl.Drivers.Tests.Support;

/// <summary>The read-only recordings in /work/shared/data (or $SENSORODL_DATA), found from the test's folder upwards.</summary>
internal static class SharedData
{
    public static string Root { get; } = Find();

    public static string Cwru => Path.Combine(Root, "cwru");
    public static string CoolingFan => Path.Combine(Root, "cooling-fan");

    public static float[] ReadF32(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    private static string Find()
    {
        string? env = Environment.GetEnvironmentVariable("SENSORODL_DATA");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (string candidate in new[] { Path.Combine(dir.FullName, "shared", "data"), Path.Combine(dir.FullName, "data") })
                if (File.Exists(Path.Combine(candidate, "cwru", "manifest.json"))) return candidate;
        }
        return "/work/shared/data";
    }
}
