using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Daemon.Configuration;

// The configuration sections of CONTRACT §2, bound from appsettings.json, /etc/sensorodl/sensorodl.json,
// --config FILE, SENSORODL_Section__Key variables and --Section:Key=value, later sources winning.

public sealed class DeviceSettings
{
    public string Id { get; set; } = "";
}

public sealed class MqttSettings
{
    public string Uri { get; set; } = "";
    public string? Username { get; set; }
    public string? PasswordFile { get; set; }
    public string? CaFile { get; set; }
    public string? ClientCertFile { get; set; }
    public string? ClientKeyFile { get; set; }
    public string TopicPrefix { get; set; } = "sensorodl";
    public double TelemetryIntervalSeconds { get; set; } = 1;
    /// <summary>Outbound queue bound (events and replies held while the broker is away).</summary>
    public int QueueLimit { get; set; } = 10_000;
}

public sealed class ModelSection
{
    public string? Path { get; set; }
}

public sealed class AnomalySettings
{
    public double FalseAlarmBudget { get; set; } = 0.01;
    public int RaiseAfter { get; set; } = 3;
    public int Window { get; set; } = 5;
    public int ClearAfter { get; set; } = 5;
}

public sealed class DriftSection
{
    public int Window { get; set; } = 60;
    public double Level { get; set; } = 0.5;
    public int Persistence { get; set; } = 30;
}

public sealed class AdaptationSettings
{
    public string Mode { get; set; } = "auto";
    public string Method { get; set; } = "skip2-lora-q4";
    public int Rank { get; set; } = 4;
    public int Epochs { get; set; } = 30;
    public double LearningRate { get; set; } = 0.002;
    public int BatchSize { get; set; } = 16;
    public int MinSamples { get; set; } = 120;
    public double MinIntervalMinutes { get; set; } = 10;
    public double MinFaultRecall { get; set; } = 0.9;
}

public sealed class StorageSettings
{
    public string? StateDir { get; set; }
    public int KeepVersions { get; set; } = 20;
    public int EventRetentionDays { get; set; } = 30;
    /// <summary>Windows kept in the sample store (labelled ones are pinned and not counted).</summary>
    public int SampleCapacity { get; set; } = 2000;
    /// <summary>At most one window per this many seconds of data enters the sample store (SD-card wear).</summary>
    public double SampleIntervalSeconds { get; set; } = 1;
}

public sealed class SecuritySettings
{
    public string? CommandKeyFile { get; set; }
    public bool AllowUnsignedButton { get; set; }
}

/// <summary>Every section, validated once at start.</summary>
public sealed class DaemonSettings
{
    public DeviceSettings Device { get; set; } = new();
    public MqttSettings Mqtt { get; set; } = new();
    public SensorSettings Sensor { get; set; } = new();
    public ModelSection Model { get; set; } = new();
    public AnomalySettings Anomaly { get; set; } = new();
    public DriftSection Drift { get; set; } = new();
    public AdaptationSettings Adaptation { get; set; } = new();
    public StorageSettings Storage { get; set; } = new();
    public SecuritySettings Security { get; set; } = new();

    public string DeviceId => string.IsNullOrWhiteSpace(Device.Id) ? System.Net.Dns.GetHostName() : Device.Id;

    public string StateDirectory =>
        !string.IsNullOrWhiteSpace(Storage.StateDir) ? Storage.StateDir!
        : Environment.GetEnvironmentVariable("STATE_DIRECTORY") is { Length: > 0 } systemd ? systemd.Split(':')[0]
        : Path.Combine(Environment.CurrentDirectory, "state");
}
