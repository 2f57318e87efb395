using System.Text;
using SensorOdl.Daemon.Configuration;

namespace SensorOdl.Daemon.Mqtt.HomeAssistant;

/// <summary>
/// The commands Home Assistant sends (it cannot sign them): the retrain button's press, the model update entity's
/// install and one payload per option of the rollback select. Discovery publishes exactly these; with a command key
/// they pass unsigned only when <see cref="SecuritySettings.AllowUnsignedHomeAssistant"/> (or, for the button alone, the
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

/// <summary>Which unsigned payloads a daemon with a command key still takes (docs/CONTRACT.md §3 Signed commands).</summary>
public sealed class UnsignedHomeAssistantCommands(SecuritySettings security, Func<IEnumerable<int>> rollbackVersions)
{
    static readonly byte[] Retrain = Encoding.UTF8.GetBytes(HomeAssistantCommands.RetrainPayload);

    /// <summary>Nothing but what the settings name; rollback options as discovery lists them now (the registry's kept versions).</summary>
    public bool Allows(ReadOnlySpan<byte> payload)
    {
        if (security.AllowUnsignedButton && payload.SequenceEqual(Retrain)) return true;
        if (!security.AllowUnsignedHomeAssistant) return false;
        foreach (string allowed in HomeAssistantCommands.All(rollbackVersions()))
            if (payload.SequenceEqual(Encoding.UTF8.GetBytes(allowed))) return true;
        return false;
    }
}
