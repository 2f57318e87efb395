using System.Runtime.InteropServices;

namespace SensorOdl.Integration.Tests.Infrastructure;

/// <summary>POSIX signals to a process we started (Process.Kill only sends SIGKILL).</summary>
static partial class Signals
{
    const int SIGHUP = 1, SIGTERM = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>SIGHUP: the daemon and mosquitto both read their secrets and configuration again.</summary>
    public static void Hangup(int pid)
    {
        if (Kill(pid, SIGHUP) != 0)
            throw new InvalidOperationException($"kill({pid}, SIGHUP) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public static void Terminate(int pid)
    {
        if (Kill(pid, SIGTERM) != 0)
            throw new InvalidOperationException($"kill({pid}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
    }
}
