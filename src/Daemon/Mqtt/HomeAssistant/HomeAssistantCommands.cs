namespace SensorOdl.Daemon.Mqtt.HomeAssistant;

/// <summary>
/// The commands Home Assistant sends (it cannot sign them): the retrain button's press, the model update entity's
/// install and one payload per option of the rollback select. Discovery publishes exactly these; with a command key
/// they pass unsigned only when <see cref="Configuration.SecuritySettings.AllowUnsignedHomeAssistant"/> (or, for the button alone, the
/// older AllowUnsignedButton) says so, and only byte for byte.
/// </summary>
public static class HomeAssistantCommands
{
    public const string RetrainPayload = "{\"id\":\"ha-retrain\",\"command\":\"retrain\"}";
    public const string InstallPayload = "{\"id\":\"ha-promote\",\"command\":\"promote\"}";

    /// <summary>The select's command_template; Home Assistant renders it with `value` = the chosen option (a version number).</summary>
    public const string RollbackCommandTemplate = "{\"id\":\"ha-rollback-{{ value }}\",\"command\":\"rollback\",\"args\":{\"version\":{{ value }}}}";

    /// <summary>What <see cref="RollbackCommandTemplate"/> renders to for one option (tests render the template with Jinja and compare).</summary>
    public static string RollbackPayload(int version) =>
        $"{{\"id\":\"ha-rollback-{version}\",\"command\":\"rollback\",\"args\":{{\"version\":{version}}}}}";

    /// <summary>Every payload the published discovery can make Home Assistant send, for these rollback options.</summary>
    public static IReadOnlyList<string> All(IEnumerable<int> rollbackVersions) =>
        [RetrainPayload, InstallPayload, .. rollbackVersions.Select(RollbackPayload)];
}
