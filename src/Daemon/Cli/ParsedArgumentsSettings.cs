using SensorOdl.Daemon.Configuration;

namespace SensorOdl.Daemon.Cli;

/// <summary>The settings a verb runs with: the configuration layers plus its --config FILE and --Section:Key=value options.</summary>
public static class ParsedArgumentsSettings
{
    public static Microsoft.Extensions.Configuration.IConfigurationRoot Configuration(this ParsedArguments arguments) =>
        SettingsLoader.Build(arguments.ConfigurationOverrides, arguments.String("config"));

    public static DaemonSettings LoadSettings(this ParsedArguments arguments) => SettingsLoader.Load(arguments.Configuration());
}
