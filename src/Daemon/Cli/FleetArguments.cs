using System.Globalization;
using System.Text.Json.Nodes;
using SensorOdl.Daemon.Fleet;

namespace SensorOdl.Daemon.Cli;

/// <summary>
/// The options every `fleet` verb shares: the broker and its credentials and TLS files (the daemon's Mqtt settings, which
/// the configuration may already hold), the command key, and which devices to act on.
/// </summary>
public static class FleetArguments
{
    public const string ConnectionHelp = """
        Broker (defaults: the configuration's Mqtt section, else mqtt://127.0.0.1:1883):
          --broker mqtt://host[:port] | mqtts://host[:port]
          --username U  --password-file F             credentials, as Mqtt:Username / Mqtt:PasswordFile
          --ca-file F  --client-cert-file F  --client-key-file F   TLS, as Mqtt:CaFile / ClientCertFile / ClientKeyFile
          --key-file F                                signs every command (HMAC-SHA256, as Security:CommandKeyFile)
          --Mqtt:TopicPrefix=P, --config FILE and the other --Section:Key=value overrides work as on every verb.
        """;

    static readonly (string Option, string Key)[] Overrides =
    [
        ("broker", "Mqtt:Uri"), ("username", "Mqtt:Username"), ("password-file", "Mqtt:PasswordFile"), ("ca-file", "Mqtt:CaFile"),
        ("client-cert-file", "Mqtt:ClientCertFile"), ("client-key-file", "Mqtt:ClientKeyFile"), ("key-file", "Security:CommandKeyFile"),
    ];

    /// <summary>The broker connection: the options above win over the configuration; a bad URI or a missing file is a usage error.</summary>
    public static FleetEndpoint Endpoint(ParsedArguments arguments)
    {
        foreach ((string option, string key) in Overrides)
        {
            if (arguments.String(option) is not { } value) continue;
            if (option == "broker" && !(Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) && uri.Scheme is "mqtt" or "mqtts"))
                throw new UsageException($"--broker '{value}' is not mqtt://host[:port] or mqtts://host[:port].");
            if (option.EndsWith("-file", StringComparison.Ordinal) && !File.Exists(value))
                throw new UsageException($"--{option}: file '{value}' does not exist.");
            arguments.ConfigurationOverrides[key] = value;
        }
        return FleetEndpoint.Of(arguments.LoadSettings());
    }

    /// <summary>`--device ID`, `--all` or `--select F`: at most one; <paramref name="required"/> makes one necessary.</summary>
    public static FleetTarget? Target(ParsedArguments arguments, bool required, bool select = true)
    {
        string? device = arguments.String("device");
        bool all = arguments.Has("all");
        string? filter = select ? arguments.String("select") : null;
        int given = (device is null ? 0 : 1) + (all ? 1 : 0) + (filter is null ? 0 : 1);
        string choices = select ? "--device ID, --all or --select F" : "--device ID or --all";
        if (given > 1) throw new UsageException($"Give one of {choices}, not several.");
        if (given == 0) return required ? throw new UsageException($"Say which devices: {choices}.") : null;
        if (device is not null && (device.Length == 0 || device.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))))
            throw new UsageException($"--device '{device}' is not a device id (letters, digits, '-' and '_').");
        if (filter is not null)
        {
            if (string.IsNullOrWhiteSpace(filter)) throw new UsageException("--select needs a filter, e.g. --select state=drift or --select model.version=3.");
            Drivers.Recordings.ManifestFilter.Parse(filter); // a filter that does not parse is a usage error before anything is sent
        }
        return new FleetTarget(device, all, filter);
    }

    /// <summary>A duration option in seconds (> 0).</summary>
    public static TimeSpan Seconds(ParsedArguments arguments, string name, double fallback)
    {
        string? text = arguments.String(name);
        if (text is null) return TimeSpan.FromSeconds(fallback);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || !(seconds > 0) || seconds > 1e6)
            throw new UsageException($"--{name} must be a number of seconds above 0, not '{text}'.");
        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>A point in time: Unix milliseconds, or an ISO 8601 date and time (UTC unless it names an offset).</summary>
    public static long Time(ParsedArguments arguments, string name)
    {
        string text = arguments.String(name) ?? throw new UsageException($"--{name} is required (Unix ms or an ISO 8601 time such as 2026-03-01T10:00:00Z).");
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long ms)) return ms;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset time)) return time.ToUnixTimeMilliseconds();
        throw new UsageException($"--{name} '{text}' is neither Unix milliseconds nor an ISO 8601 time.");
    }

    /// <summary>The args of a `retrain` command from `--method`, `--epochs`, `--samples` (each checked as the device would).</summary>
    public static JsonObject RetrainArgs(ParsedArguments arguments)
    {
        var args = new JsonObject();
        if (arguments.String("method") is { } method)
        {
            if (!Learning.FineTuning.FineTuneMethods.IsKnown(method))
                throw new UsageException($"--method must be one of {string.Join(", ", Learning.FineTuning.FineTuneMethods.Names)}.");
            args["method"] = method;
        }
        if (arguments.Has("epochs")) args["epochs"] = arguments.Int("epochs", 0, 1, 1000);
        if (arguments.Has("samples")) args["samples"] = arguments.Int("samples", 0, 16);
        return args;
    }
}
