namespace SensorOdl.Daemon.Mqtt;

/// <summary>A command that fails with one of docs/CONTRACT.md §3's error codes.</summary>
public sealed class CommandError(string code, string message) : Exception(message)
{
    public string Code { get; } = code;

    public static CommandError BadArgs(string message) => new("bad_args", message);
}
