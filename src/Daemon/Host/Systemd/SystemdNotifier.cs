using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SensorOdl.Daemon.Host.Systemd;

/// <summary>
/// sd_notify(3) client without Microsoft.Extensions.Hosting. Construct it first thing in Main:
/// Hosting 11 unsets NOTIFY_SOCKET once it has read it, so a notifier built later sees nothing.
/// Every call is a no-op returning false when not started by systemd; none of them throws.
/// </summary>
public sealed class SystemdNotifier
{
    private readonly EndPoint? _endPoint;

    public SystemdNotifier(string? notifySocket, TimeSpan? watchdogInterval = null)
    {
        _endPoint = ParseEndPoint(notifySocket);
        WatchdogInterval = _endPoint is null ? null : watchdogInterval;
    }

    /// <summary>True when NOTIFY_SOCKET named a socket this client can reach.</summary>
    public bool IsEnabled => _endPoint is not null;

    /// <summary>The unit's WatchdogSec (from WATCHDOG_USEC), or null when the watchdog is off or
    /// meant for another process (WATCHDOG_PID). Ping at least every half of it.</summary>
    public TimeSpan? WatchdogInterval { get; }

    public static SystemdNotifier FromEnvironment() =>
        FromVariables(Environment.GetEnvironmentVariable, Environment.ProcessId);

    internal static SystemdNotifier FromVariables(Func<string, string?> getVariable, int processId) =>
        new(getVariable("NOTIFY_SOCKET"),
            ParseWatchdog(getVariable("WATCHDOG_USEC"), getVariable("WATCHDOG_PID"), processId));

    public bool Ready() => Notify("READY=1");

    public bool Stopping() => Notify("STOPPING=1");

    public bool Watchdog() => Notify("WATCHDOG=1");

    /// <summary>Free-form status line shown by <c>systemctl status</c>.</summary>
    public bool Status(string status) =>
        Notify("STATUS=" + status.ReplaceLineEndings(" "));

    /// <summary>Asks systemd for more time in the current start or stop phase.</summary>
    public bool ExtendTimeout(TimeSpan extension) =>
        Notify("EXTEND_TIMEOUT_USEC=" + ((long)extension.TotalMicroseconds).ToString(CultureInfo.InvariantCulture));

    /// <summary>Sends raw newline-separated assignments, e.g. "READY=1\nSTATUS=scoring".</summary>
    public bool Notify(string state)
    {
        if (_endPoint is null)
            return false;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.SendTo(Encoding.UTF8.GetBytes(state), SocketFlags.None, _endPoint);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    internal static TimeSpan? ParseWatchdog(string? usec, string? pid, int processId)
    {
        if (!ulong.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out var micros) || micros == 0)
            return null;
        if (!string.IsNullOrEmpty(pid)
            && (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var target) || target != processId))
            return null;
        return TimeSpan.FromMicroseconds(micros);
    }

    private static UnixDomainSocketEndPoint? ParseEndPoint(string? socket)
    {
        if (string.IsNullOrEmpty(socket))
            return null;
        // '@' is systemd's spelling of the Linux abstract namespace; .NET spells it with a leading NUL.
        var path = socket[0] switch
        {
            '/' => socket,
            '@' => "\0" + socket[1..],
            _ => null, // e.g. "vsock:" addresses, not reachable from a Unix socket
        };
        if (path is null)
            return null;
        try
        {
            return new UnixDomainSocketEndPoint(path);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
