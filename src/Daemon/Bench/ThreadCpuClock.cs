using System.Runtime.InteropServices;

namespace SensorOdl.Daemon.Bench;

/// <summary>
/// CPU time of the calling thread (Linux clock_gettime(CLOCK_THREAD_CPUTIME_ID)): on a shared machine a
/// wall clock also counts the time other processes held the core, this one does not.
/// </summary>
static partial class ThreadCpuClock
{
    const int ThreadCpuTimeId = 3, ProcessCpuTimeId = 2;

    [StructLayout(LayoutKind.Sequential)]
    struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>Seconds of CPU this thread has used, or NaN where the clock is unavailable.</summary>
    public static double Seconds() => Read(ThreadCpuTimeId);

    /// <summary>Seconds of CPU all the process's threads have used (for work spread over several threads), or NaN.</summary>
    public static double ProcessSeconds() => Read(ProcessCpuTimeId);

    static double Read(int clock)
    {
        try
        {
            return ClockGetTime(clock, out TimeSpec time) == 0 ? time.Seconds + time.Nanoseconds / 1e9 : double.NaN;
        }
        catch (DllNotFoundException) { return double.NaN; }
        catch (EntryPointNotFoundException) { return double.NaN; }
    }
}
