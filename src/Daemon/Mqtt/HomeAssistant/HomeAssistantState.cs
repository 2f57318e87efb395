namespace SensorOdl.Daemon.Mqtt.HomeAssistant;

/// <summary>The context as the daemon has it now.</summary>
public static class HomeAssistantState
{
    /// <summary>The registry's kept (not retired) versions: the rollback select's options.</summary>
    public static IReadOnlyList<int> KeptVersions(Storage.ModelRegistry registry) => [.. registry.List().Where(v => !v.Retired).Select(v => v.Version)];

    public static HomeAssistantContext Context(Configuration.DaemonSettings settings, Storage.ModelRegistry registry) =>
        new(settings.Sensor.Ambient.Kind is not null, KeptVersions(registry));
}
