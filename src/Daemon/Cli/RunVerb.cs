using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Host;
using SensorOdl.Daemon.Host.Systemd;
using SensorOdl.Daemon.Storage;

namespace SensorOdl.Daemon.Cli;

/// <summary>`sensorodl run`: the daemon, on the .NET generic host with systemd integration.</summary>
public sealed class RunVerb(SystemdNotifier notifier) : IVerb
{
    public string Name => "run";
    public string Summary => "the daemon: sensor → features → score → drift → adapt, reporting over MQTT";
    public string Help => """
        usage: sensorodl run [--config FILE] [--Section:Key=value ...]

        Runs until SIGTERM/SIGINT. With no configuration: the simulated machine, an embedded MQTT broker on
        127.0.0.1:1883 (or the broker already listening there), state under ./state (or $STATE_DIRECTORY),
        and a base model trained for the simulated machine on first start. Configuration: docs/CONTRACT.md §2;
        an invalid setting stops start-up with one line naming the key.

        """;

    public async Task<int> RunAsync(ParsedArguments arguments, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        var configuration = arguments.Configuration();
        arguments.RejectUnknown();
        DaemonSettings settings = SettingsLoader.Load(configuration);
        using StateDatabase state = StateDatabase.Open(settings.StateDirectory);

        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSystemd();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        builder.Logging.SetMinimumLevel(arguments.Has("verbose") ? LogLevel.Debug : LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        // A start-up failure is reported as one sentence by the command line; the host's own stack trace only with --verbose.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", arguments.Has("verbose") ? LogLevel.Debug : LogLevel.None);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(state);
        builder.Services.AddSingleton(notifier);
        builder.Services.AddSingleton(SystemdLifecycle.Of);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<DaemonRuntime>();
        using IHost host = builder.Build();
        await host.RunAsync(cancellation);
        return 0;
    }
}
