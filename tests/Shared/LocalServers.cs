using System.Net;
using System.Net.Sockets;

namespace SensorOdl.TestSupport;

/// <summary>
/// What tests that start their own servers share: a free loopback port and the mosquitto binary. Linked into each
/// test project that needs it, like <see cref="RepoPaths"/>, so there is one copy.
/// </summary>
public static class LocalServers
{
    /// <summary>A loopback port nothing listens on right now (the OS's pick for port 0).</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>mosquitto's path on PATH, /usr/sbin or /usr/local/sbin; null when it is not installed.</summary>
    public static string? MosquittoPath =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin").Append("/usr/local/sbin")
            .Select(dir => Path.Combine(dir, "mosquitto"))
            .FirstOrDefault(File.Exists);
}
