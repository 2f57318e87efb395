using System.Globalization;

namespace SensorOdl.Daemon.Pipeline;

/// <summary>A share of windows as events, notices and tables print it: "14 %", "1.4 %", "0 %".</summary>
static class SharePercent
{
    public static string Of(double share) => (share * 100).ToString(share * 100 >= 10 ? "0" : "0.#", CultureInfo.InvariantCulture) + " %";
}
