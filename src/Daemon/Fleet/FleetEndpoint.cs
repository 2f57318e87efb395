using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Mqtt;

namespace SensorOdl.Daemon.Fleet;

/// <summary>
/// Where and how `sensorodl fleet` reaches the devices: the daemon's own Mqtt settings (broker, credentials, TLS, topic
/// prefix) and command key, so that an operator tool configured like a device talks to the broker as the device does.
/// </summary>
public sealed record FleetEndpoint(MqttSettings Mqtt, byte[]? CommandKey)
{
    /// <summary>How long the broker may take to acknowledge one request of the tool (a subscribe, a QoS 1 publish).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The daemon's default when Mqtt:Uri is empty: the broker on this machine (embedded or not).</summary>
    public const string DefaultUri = "mqtt://127.0.0.1:1883";

    public string Uri => Mqtt.Uri is { Length: > 0 } uri ? uri : DefaultUri;
    public string Prefix => Mqtt.TopicPrefix;

    public static FleetEndpoint Of(DaemonSettings settings) => new(settings.Mqtt,
        settings.Security.CommandKeyFile is { Length: > 0 } file ? CommandSignature.ReadKey(file) : null);

    /// <summary>Host, port (1883, or 8883 for mqtts, when not given) and whether to use TLS.</summary>
    public (string Host, int Port, bool Tls) Address()
    {
        var uri = new Uri(Uri);
        bool tls = uri.Scheme == "mqtts";
        return (uri.Host, uri.Port > 0 ? uri.Port : tls ? 8883 : 1883, tls);
    }
}

/// <summary>A fleet operation that could not be done (broker unreachable, unknown device, nothing selected): exit 1 with its message.</summary>
public sealed class FleetException(string message) : Exception(message);
