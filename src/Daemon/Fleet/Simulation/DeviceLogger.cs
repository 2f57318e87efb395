using Microsoft.Extensions.Logging;

namespace SensorOdl.Daemon.Fleet.Simulation;

/// <summary>A simulated device's log: warnings and errors only, one line each, with the device's id in front.</summary>
public sealed class DeviceLogger(string device, Action<string> write) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        write($"{device}: {formatter(state, exception)}{(exception is null ? "" : $" ({exception.Message})")}");
    }
}
