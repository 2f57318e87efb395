using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using SensorOdl.Integration.Tests.Infrastructure;

namespace SensorOdl.Integration.Tests;

/// <summary>
/// `sensorodl run` under a notify socket, as systemd starts it (Type=notify, WatchdogSec): READY=1 exactly once,
/// after the pipeline is up, with and without SYSTEMD_EXEC_PID (systemd sets it from v248 on); WATCHDOG=1 while
/// the sensor loop turns; STOPPING=1 once on SIGTERM. Before the fix both READY=1 and STOPPING=1 went out twice.
/// </summary>
public sealed class SystemdNotifyTests : DaemonTest
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Ready_is_sent_once_after_the_pipeline_is_up_then_watchdog_pings_and_one_stopping(bool systemdExecPid)
    {
        string device = NewDevice("notify");
        string socketPath = Path.Combine(Root, "notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        using Process daemon = StartUnderNotifySocket(device, socketPath, systemdExecPid);
        try
        {
            var received = new List<string>();
            string? Next(TimeSpan timeout)
            {
                if (!socket.Poll(timeout, SelectMode.SelectRead)) return null;
                var buffer = new byte[4096];
                string message = Encoding.UTF8.GetString(buffer, 0, socket.Receive(buffer));
                received.Add(message);
                return message;
            }
            string Seen() => string.Join(" | ", received);

            // Until READY: the pipeline reports itself up (STATUS=monitoring …) before systemd hears READY=1.
            var deadline = DateTime.UtcNow + StartTimeout;
            while (!received.Contains("READY=1") && DateTime.UtcNow < deadline) Next(TimeSpan.FromSeconds(1));
            Assert.True(received.Contains("READY=1"), $"no READY=1 within {StartTimeout.TotalSeconds} s; received: {Seen()}");
            int ready = received.IndexOf("READY=1");
            Assert.True(received.Take(ready).Any(m => m.StartsWith("STATUS=monitoring with model version", StringComparison.Ordinal)),
                $"READY=1 came before the pipeline reported itself up: {Seen()}");

            // WatchdogSec=2: pings every second while the sensor loop turns.
            deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
            while (received.Count(m => m == "WATCHDOG=1") < 2 && DateTime.UtcNow < deadline) Next(TimeSpan.FromSeconds(1));
            Assert.True(received.Count(m => m == "WATCHDOG=1") >= 2, $"fewer than two WATCHDOG=1 pings: {Seen()}");

            Signals.Terminate(daemon.Id);
            Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(30)), "the daemon did not stop on SIGTERM");
            while (Next(TimeSpan.FromMilliseconds(300)) is not null) { }
            Assert.Equal(0, daemon.ExitCode);
            Assert.Equal(1, received.Count(m => m == "READY=1"));
            Assert.Equal(1, received.Count(m => m == "STOPPING=1"));
        }
        finally
        {
            if (!daemon.HasExited) daemon.Kill();
        }
    }

    /// <summary>
    /// Starts the daemon the way systemd would: through /bin/sh so that SYSTEMD_EXEC_PID can name the pid the
    /// daemon will have ($$ survives exec), with NOTIFY_SOCKET and WATCHDOG_USEC set.
    /// </summary>
    Process StartUnderNotifySocket(string device, string socketPath, bool withExecPid)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "sensorodl.dll");
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add((withExecPid ? "SYSTEMD_EXEC_PID=$$ " : "") + "exec dotnet \"$0\" \"$@\"");
        info.ArgumentList.Add(dll);
        foreach (string argument in new[] { "run", $"--Mqtt:Uri={Broker.Uri}", $"--Device:Id={device}", $"--Storage:StateDir={NewStateDir(device)}" })
            info.ArgumentList.Add(argument);
        foreach (string key in info.Environment.Keys.Where(k => k.StartsWith("SENSORODL_", StringComparison.Ordinal) || k is "STATE_DIRECTORY" or "SYSTEMD_EXEC_PID" or "WATCHDOG_PID").ToList())
            info.Environment.Remove(key);
        info.Environment["NOTIFY_SOCKET"] = socketPath;
        info.Environment["WATCHDOG_USEC"] = "2000000";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        Process process = Process.Start(info) ?? throw new InvalidOperationException("/bin/sh did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
