using System.Net.Sockets;
using System.Text;

namespace SensorOdl.Daemon.Tests.Systemd;

/// <summary>Plays systemd's side of NOTIFY_SOCKET: a bound Unix datagram socket.</summary>
internal sealed class FakeNotifySocket : IDisposable
{
    private readonly Socket _socket;
    private readonly string? _directory;

    private FakeNotifySocket(string bindPath, string address, string? directory)
    {
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _socket.Bind(new UnixDomainSocketEndPoint(bindPath));
        Address = address;
        _directory = directory;
    }

    /// <summary>The value systemd would put in NOTIFY_SOCKET.</summary>
    public string Address { get; }

    public static FakeNotifySocket InTempDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("sodl-notify-").FullName;
        var path = Path.Combine(directory, "notify");
        return new FakeNotifySocket(path, path, directory);
    }

    public static FakeNotifySocket Abstract()
    {
        var name = "sensorodl-test-" + Guid.NewGuid().ToString("N");
        return new FakeNotifySocket("\0" + name, "@" + name, null);
    }

    /// <summary>The next datagram, or null when none arrives within <paramref name="timeout"/>.</summary>
    public string? Receive(TimeSpan timeout)
    {
        if (!_socket.Poll(timeout, SelectMode.SelectRead))
            return null;
        var buffer = new byte[4096];
        var length = _socket.Receive(buffer);
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    /// <summary>Everything received until the socket has been quiet for <paramref name="quiet"/>.</summary>
    public List<string> Drain(TimeSpan quiet)
    {
        var messages = new List<string>();
        while (Receive(quiet) is { } message)
            messages.Add(message);
        return messages;
    }

    public void Dispose()
    {
        _socket.Dispose();
        if (_directory is not null)
            Directory.Delete(_directory, recursive: true);
    }
}
