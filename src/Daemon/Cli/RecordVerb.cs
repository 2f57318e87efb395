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
        usage: sensorodl record --out DIR [--windows N] [--set key=value,...] [--Sensor:Kind=...]

        Reads N windows (default 600) from the sensor the configuration names and appends them as one
        recording (a headerless float32 file plus a manifest entry with the --set fields) to DIR, creating
        its manifest.json if needed. For commissioning: record the machine's normal, then 'sensorodl train'.
        Faulted reads are retried (the sensor recovers by itself); Ctrl-C keeps what was captured.

        """;

    public Task<int> RunAsync(ParsedArguments arguments, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        DaemonSettings settings = arguments.LoadSettings();
        string folder = arguments.String("out") ?? throw new UsageException("--out DIR is required.");
        int windows = arguments.Int("windows", 600, 1, 10_000_000);
        Dictionary<string, object?> fields;
        try { fields = RecordingFields.Parse(arguments.String("set")); }
        catch (ArgumentException e) { throw new UsageException($"--set: {e.Message}"); }
        arguments.RejectUnknown();

        using ISensor sensor = SensorFactory.Create(settings.Sensor);
        using RecordingWriter writer = RecordingWriter.Create(folder, RecordingWriter.DefaultFileName(DateTimeOffset.UtcNow), sensor.Format, fields);
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
}
