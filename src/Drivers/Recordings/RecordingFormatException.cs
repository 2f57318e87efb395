namespace SensorOdl.Drivers.Recordings;

/// <summary>A manifest or recording file that cannot be read as docs/CONTRACT.md §4 describes (a runtime failure, exit 1).</summary>
public sealed class RecordingFormatException(string message, Exception? inner = null) : Exception(message, inner);
