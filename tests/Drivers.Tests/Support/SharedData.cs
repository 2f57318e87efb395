using System.Runtime.InteropServices;
using SensorOdl.TestSupport;

namespace SensorOdl.Drivers.Tests.Support;

/// <summary>The read-only recordings: &lt;repo&gt;/data, or $SENSORODL_DATA (found by <see cref="RepoPaths"/>).</summary>
internal static class SharedData
{
    public static string Root => RepoPaths.Data;

    public static string Cwru => RepoPaths.DataSet("cwru");
    public static string CoolingFan => RepoPaths.DataSet("cooling-fan");

    public static float[] ReadF32(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }
}
