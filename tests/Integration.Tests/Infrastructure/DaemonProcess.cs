using System.Diagnostics;
using System.Text;
using SensorOdl.TestSupport;

namespace SensorOdl.Integration.Tests.Infrastructure;

/// <summary>
/// One `sensorodl run` process, started as `dotnet sensorodl.dll run …` with its settings on the command line,
/// its output captured for diagnostics. Killed (SIGKILL) on dispose if still running.
/// </summary>
public sealed class DaemonProcess : IAsyncDisposable
{
    readonly Process _process;
    readonly StringBuilder _output = new();

    DaemonProcess(Process process, string commandLine)
    {
        _process = process;
        CommandLine = commandLine;
    }

    public string CommandLine { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    public string Output { get { lock (_output) return _output.ToString(); } }

    static readonly Lazy<string> DaemonDll = new(Locate);

    /// <summary>
    /// sensorodl.dll: beside the tests (the project reference copies it, with its runtimeconfig), else the
    /// daemon project's own build output under the repository root (<see cref="RepoPaths"/>).
    /// </summary>
    static string Locate()
    {
        string here = Path.Combine(AppContext.BaseDirectory, "sensorodl.dll");
        if (File.Exists(here) && File.Exists(Path.ChangeExtension(here, ".runtimeconfig.json"))) return here;
        string bin = Path.Combine(RepoPaths.Root, "src", "Daemon", "bin");
        string? newest = !Directory.Exists(bin) ? null : Directory.EnumerateFiles(bin, "sensorodl.dll", SearchOption.AllDirectories)
            .Where(f => File.Exists(Path.ChangeExtension(f, ".runtimeconfig.json")))
            .OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault();
        return newest ?? throw new FileNotFoundException($"sensorodl.dll was not found beside the tests ({AppContext.BaseDirectory}) nor under {bin}.");
    }

    public static DaemonProcess Start(IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        info.ArgumentList.Add(DaemonDll.Value);
        foreach (string a in arguments) info.ArgumentList.Add(a);
        // Nothing from the environment of the test run may configure the daemon behind our back.
        foreach (string key in info.Environment.Keys.Where(k => k.StartsWith("SENSORODL_", StringComparison.Ordinal) || k is "STATE_DIRECTORY" or "NOTIFY_SOCKET" or "WATCHDOG_USEC").ToList())
            info.Environment.Remove(key);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var daemon = new DaemonProcess(process, string.Join(' ', info.ArgumentList));
        process.OutputDataReceived += (_, e) => daemon.Append(e.Data);
        process.ErrorDataReceived += (_, e) => daemon.Append(e.Data is null ? null : "ERR " + e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return daemon;
    }

    void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>kill -9: no clean disconnect, so the broker publishes the will.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    public void Terminate() => Signals.Terminate(_process.Id);
    public void Hangup() => Signals.Hangup(_process.Id);

    /// <summary>The exit code, or null when it did not exit in time.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException) { return null; }
    }

    public string Describe() => $"daemon pid {_process.Id} ({(HasExited ? $"exited {ExitCode}" : "running")}): {CommandLine}\n--- daemon output ---\n{Output}";

    public async ValueTask DisposeAsync()
    {
        try { await KillAsync(); }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
