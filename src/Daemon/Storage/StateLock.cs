namespace SensorOdl.Daemon.Storage;

/// <summary>Another process holds the state directory.</summary>
public sealed class StateBusyException(string message) : Exception(message);
