using SensorOdl.Daemon.Configuration;
using SensorOdl.Drivers.Recordings;
using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Daemon.Cli;

/// <summary>`sensorodl record`: capture windows from the configured sensor into a recording folder (docs/CONTRACT.md §4).</summary>
public sealed class RecordVerb : IVerb
{
    public string Name => "record";
    public string Summary => "capture windows from the configured sensor into a recording folder";
    public string Help => """
        usage: sensorodl record --out DIR [--windows N] [--file NAME] [--set key=value,...] [--Sensor:Kind=...]

        Reads N windows (default 600) from the sensor the configuration names and appends them as one
        recording (a headerless float32 file plus a manifest entry with the --set fields) to DIR, creating
        its manifest.json if needed. For commissioning: record the machine's normal, then 'sensorodl train'.
        --file names the data file (default rec-<UTC time>.f32). From the simulated machine the entry also
        gets 'drift' and 'fault' (Sensor:Simulation; --set may override them).
        Faulted reads are retried (the sensor recovers by itself); Ctrl-C keeps what was captured.

        """;

    public Task<int> RunAsync(ParsedArguments arguments, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        DaemonSettings settings = arguments.LoadSettings();
        string folder = arguments.String("out") ?? throw new UsageException("--out DIR is required.");
        int windows = arguments.Int("windows", 600, 1, 10_000_000);
        string? file = arguments.String("file");
        Dictionary<string, object?> set;
        try { set = RecordingFields.Parse(arguments.String("set")); }
        catch (ArgumentException e) { throw new UsageException($"--set: {e.Message}"); }
        arguments.RejectUnknown();
        Dictionary<string, object?> fields = settings.Sensor.Kind == SensorKind.Simulated ? settings.Sensor.Simulation.ManifestFields() : [];
        foreach ((string key, object? value) in set) fields[key] = value;

        using ISensor sensor = SensorFactory.Create(settings.Sensor);
        using RecordingWriter writer = Create(folder, file, sensor.Format, fields);
        SensorFrame frame = sensor.CreateFrame();
        int faults = 0;
        while (writer.FramesWritten < windows && !cancellation.IsCancellationRequested)
        {
            SensorReadResult result;
            try { result = sensor.Read(frame, cancellation); }
            catch (OperationCanceledException) { break; }
            if (result == SensorReadResult.EndOfData) break;
            if (result == SensorReadResult.Faulted)
            {
                if (++faults % 10 == 1) stderr.WriteLine($"sensor fault: {sensor.Health.Reason} (retrying)");
                continue;
            }
            writer.Append(frame);
        }
        RecordingEntry entry = writer.Complete();
        stdout.WriteLine($"Recorded {writer.FramesWritten} windows of {sensor.Kind} into {Path.Combine(folder, entry.File)}.");
        return Task.FromResult(writer.FramesWritten > 0 ? 0 : 1);
    }

    static RecordingWriter Create(string folder, string? file, SensorFormat format, Dictionary<string, object?> fields)
    {
        if (file is null) return RecordingWriter.Create(folder, FreeDefaultName(folder), format, fields);
        try { return RecordingWriter.Create(folder, file, format, fields); }
        catch (ArgumentException e) { throw new UsageException($"--file: {e.Message}"); }
    }

    // the default name has a resolution of one second; a script recording several takes in a row must not collide
    static string FreeDefaultName(string folder)
    {
        string name = RecordingWriter.DefaultFileName(DateTimeOffset.UtcNow);
        string stem = Path.GetFileNameWithoutExtension(name), extension = Path.GetExtension(name);
        for (int n = 2; File.Exists(Path.Combine(folder, name)); n++) name = $"{stem}-{n}{extension}";
        return name;
    }
}
