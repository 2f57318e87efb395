using System.Diagnostics;
using SensorOdl.TestSupport;

namespace SensorOdl.Daemon.Tests.Systemd;

/// <summary>Locates the repository and systemd's command-line tools, and runs them.</summary>
internal static class SystemdTools
{
    public static string RepoRoot => RepoPaths.Root;

    public static string UnitPath => Path.Combine(RepoRoot, "deploy", "systemd", "sensorodl.service");

    public static string DeployFile(string name) => Path.Combine(RepoRoot, "deploy", "systemd", name);

    /// <summary>The tool's path; fails (does not skip) when it is missing, because CI must check the unit.</summary>
    public static string Require(string tool)
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/bin", "/bin", "/usr/sbin"]);
        foreach (var directory in directories)
        {
            var candidate = Path.Combine(directory, tool);
            if (File.Exists(candidate))
                return candidate;
        }
        Assert.Fail($"{tool} was not found on PATH or in /usr/bin: install Debian's 'systemd' package "
            + "(.ci/run does) so the unit in deploy/systemd can be checked.");
        return "";
    }

    public static (int ExitCode, string Output) Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(Require(tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["SYSTEMD_COLORS"] = "0";
        start.Environment["SYSTEMD_PAGER"] = "cat";
        start.Environment["LC_ALL"] = "C.UTF-8";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {tool}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill();
            Assert.Fail($"{tool} {string.Join(' ', arguments)} did not finish within 60 s");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
