using System.Text.Json;

namespace SensorOdl.Daemon.Cli;

/// <summary>How reporting verbs print: a table by default, JSON with --json, and the JSON to --out FILE either way.</summary>
public static class ReportOutput
{
    // ReportJson's options: a ratio or a delay that never happened is ±Infinity (e.g. no drift declared), written as
    // "Infinity", not a crash after the run.
    public static void Write<T>(T report, string table, ParsedArguments arguments, TextWriter stdout)
    {
        string json = JsonSerializer.Serialize(report, ReportJson.For<T>());
        string? outFile = arguments.String("out");
        stdout.Write(arguments.Has("json") ? json + Environment.NewLine : table);
        if (outFile is not null)
        {
            string? directory = Path.GetDirectoryName(Path.GetFullPath(outFile));
            if (directory is not null) Directory.CreateDirectory(directory);
            File.WriteAllText(outFile, json + Environment.NewLine);
        }
    }
}
