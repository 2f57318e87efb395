using System.Text;
using SensorOdl.Daemon.Configuration;

namespace SensorOdl.Daemon.Mqtt.HomeAssistant;

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
