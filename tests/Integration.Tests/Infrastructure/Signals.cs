using System.Runtime.InteropServices;

namespace SensorOdl.Integration.Tests.Infrastructure;

/// <summary>POSIX signals to a process we started (Process.Kill only sends SIGKILL).</summary>
static partial class Signals
{
    const int SIGTERM = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public static void Terminate(int pid)
    {
        if (Kill(pid, SIGTERM) != 0)
            throw new InvalidOperationException($"kill({pid}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
    }
}
