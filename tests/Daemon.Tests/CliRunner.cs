using SensorOdl.Daemon.Cli;

namespace SensorOdl.Daemon.Tests;

/// <summary>Runs a `sensorodl` command line in process and captures what it prints.</summary>
internal static class CliRunner
{
    public static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await CommandLine.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
