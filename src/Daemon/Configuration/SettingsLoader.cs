using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using SensorOdl.Learning.FineTuning;

namespace SensorOdl.Daemon.Configuration;

/// <summary>A setting that cannot work: one line naming the key and the problem.</summary>
public sealed class ConfigurationException(string message) : Exception(message);

/// <summary>
/// Builds the layered configuration of docs/CONTRACT.md §2 — appsettings.json beside the binary,
/// /etc/sensorodl/sensorodl.json, a configuration file, SENSORODL_Section__Key variables, then
/// Section:Key overrides, later sources winning — and validates it into <see cref="DaemonSettings"/>.
/// </summary>
public static partial class SettingsLoader
{
    public const string EtcFile = "/etc/sensorodl/sensorodl.json";
    const int MaxHiddenLayers = 8, MaxHiddenWidth = 1024;

    public static IConfigurationRoot Build(IEnumerable<KeyValuePair<string, string>> overrides, string? configFile = null, string? etcFile = EtcFile)
    {
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        if (etcFile is not null) builder.AddJsonFile(etcFile, optional: true, reloadOnChange: false);
        if (configFile is not null)
        {
            if (!File.Exists(configFile)) throw new ConfigurationException($"configuration file {configFile}: no such file.");
            builder.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        }
        builder.AddEnvironmentVariables("SENSORODL_");
        builder.AddInMemoryCollection(overrides.Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value)));
        try { return builder.Build(); }
        catch (InvalidDataException e) { throw new ConfigurationException($"configuration file: {e.Message} {e.InnerException?.Message}".TrimEnd()); }
    }

    public static DaemonSettings Load(IConfiguration configuration)
    {
        DaemonSettings settings;
        try
        {
            settings = SettingsBinder.Bind(configuration);
        }
        catch (InvalidDataException e) { throw new ConfigurationException($"configuration file: {e.Message}"); }
        Validate(settings);
        return settings;
    }

    static void Validate(DaemonSettings s)
    {
        void Check(bool ok, string key, string problem)
        {
            if (!ok) throw new ConfigurationException($"{key}: {problem}");
        }

        Check(s.Device.Id.Length == 0 || DeviceIdPattern().IsMatch(s.Device.Id), "Device:Id", "use letters, digits, '-' and '_' only (it is part of MQTT topics).");
        Check(s.Device.Id is not ("all" or "fleet"), "Device:Id", $"'{s.Device.Id}' is reserved ({s.Mqtt.TopicPrefix}/all/cmd reaches every device; {s.Mqtt.TopicPrefix}/fleet/ is the fleet tool's).");
        Check(s.Mqtt.Uri.Length == 0 || Uri.TryCreate(s.Mqtt.Uri, UriKind.Absolute, out Uri? uri) && uri.Scheme is "mqtt" or "mqtts", "Mqtt:Uri", $"'{s.Mqtt.Uri}' is not mqtt://host:port or mqtts://host:port.");
        Check(TopicPattern().IsMatch(s.Mqtt.TopicPrefix), "Mqtt:TopicPrefix", "must be a non-empty topic level without '+', '#' or '/'.");
        Check(s.Mqtt.TelemetryIntervalSeconds >= 0 && double.IsFinite(s.Mqtt.TelemetryIntervalSeconds), "Mqtt:TelemetryIntervalSeconds", "must be 0 or more.");
        Check(s.Mqtt.QueueLimit >= 10, "Mqtt:QueueLimit", "must be at least 10.");
        Check(s.HomeAssistant.SupportUrl is null || Uri.TryCreate(s.HomeAssistant.SupportUrl, UriKind.Absolute, out Uri? support) && support.Scheme is "http" or "https",
            "HomeAssistant:SupportUrl", $"'{s.HomeAssistant.SupportUrl}' is not an http:// or https:// URL.");
        Check(s.Mqtt.CommandRatePerSecond > 0 && double.IsFinite(s.Mqtt.CommandRatePerSecond), "Mqtt:CommandRatePerSecond", "must be more than 0.");
        Check(s.Mqtt.CommandBurst >= 1, "Mqtt:CommandBurst", "must be at least 1.");
        Check(s.Mqtt.CommandBacklogBytes >= 128 * 1024, "Mqtt:CommandBacklogBytes", "must be at least 131072 (two commands of the 64 KiB limit).");
        foreach ((string key, string? file) in new[] { ("Mqtt:PasswordFile", s.Mqtt.PasswordFile), ("Mqtt:CaFile", s.Mqtt.CaFile), ("Mqtt:ClientCertFile", s.Mqtt.ClientCertFile), ("Mqtt:ClientKeyFile", s.Mqtt.ClientKeyFile), ("Security:CommandKeyFile", s.Security.CommandKeyFile) })
            Check(string.IsNullOrEmpty(file) || File.Exists(file), key, $"file '{file}' does not exist.");
        foreach (string problem in s.Sensor.Problems()) throw new ConfigurationException(problem);
        Check(s.Model.Path is null || File.Exists(s.Model.Path), "Model:Path", $"file '{s.Model.Path}' does not exist.");
        Check(s.Model.MaxDeployBytes is >= 1024 and <= 1L << 30, "Model:MaxDeployBytes", "must be from 1024 to 1073741824.");
        Check(s.Anomaly.FalseAlarmBudget > 0 && s.Anomaly.FalseAlarmBudget < 0.5, "Anomaly:FalseAlarmBudget", "must be between 0 and 0.5.");
        Check(s.Anomaly.RaiseAfter >= 1 && s.Anomaly.RaiseAfter <= s.Anomaly.Window, "Anomaly:RaiseAfter", "must be between 1 and Anomaly:Window.");
        Check(s.Anomaly.AttentionMinutes >= 1 && s.Anomaly.AttentionMinutes <= 10_080, "Anomaly:AttentionMinutes", "must be between 1 and 10080 (a week).");
        Check(s.Adaptation.ThresholdConfidence >= 0.5 && s.Adaptation.ThresholdConfidence <= 0.99, "Adaptation:ThresholdConfidence", "must be between 0.5 and 0.99.");
        Check(s.Anomaly.ClearAfter >= 1, "Anomaly:ClearAfter", "must be at least 1.");
        Check(s.Anomaly.ScoreShare > 0 && s.Anomaly.ScoreShare <= 1, "Anomaly:ScoreShare", "must be greater than 0 and at most 1.");
        Check(s.Anomaly.Hidden is null || s.Anomaly.Hidden.Length is >= 1 and <= MaxHiddenLayers && s.Anomaly.Hidden.All(w => w is >= 1 and <= MaxHiddenWidth),
            "Anomaly:Hidden", $"must be 1 to {MaxHiddenLayers} layer widths, each from 1 to {MaxHiddenWidth}.");
        Check(s.Drift.Window >= 5, "Drift:Window", "must be at least 5.");
        Check(s.Drift.Level > 0 && s.Drift.Level < 1, "Drift:Level", "must be between 0 and 1.");
        Check(s.Drift.Persistence >= 1, "Drift:Persistence", "must be at least 1.");
        Check(Enum.IsDefined(s.Adaptation.Mode), "Adaptation:Mode", $"'{s.Adaptation.Mode}' is not auto, confirm or off.");
        Check(FineTuneMethods.IsKnown(s.Adaptation.Method), "Adaptation:Method", $"'{s.Adaptation.Method}' is not one of {string.Join(", ", FineTuneMethods.Names)}.");
        Check(s.Adaptation.Rank is >= 1 and <= 64, "Adaptation:Rank", "must be between 1 and 64.");
        Check(s.Adaptation.Epochs is >= 1 and <= 1000, "Adaptation:Epochs", "must be between 1 and 1000.");
        Check(s.Adaptation.LearningRate > 0 && s.Adaptation.LearningRate < 1, "Adaptation:LearningRate", "must be between 0 and 1.");
        Check(s.Adaptation.BatchSize is >= 1 and <= 1024, "Adaptation:BatchSize", "must be between 1 and 1024.");
        Check(s.Adaptation.MinSamples >= 16, "Adaptation:MinSamples", "must be at least 16.");
        Check(s.Adaptation.MaxCollectMinutes > 0 && double.IsFinite(s.Adaptation.MaxCollectMinutes), "Adaptation:MaxCollectMinutes", "must be more than 0.");
        Check(s.Adaptation.MaxProbeRecallDrop is >= 0 and <= 1, "Adaptation:MaxProbeRecallDrop", "must be between 0 and 1.");
        Check(s.Adaptation.Rehearsal is >= 0 and <= 0.9, "Adaptation:Rehearsal", "must be between 0 and 0.9.");
        Check(s.Adaptation.Denoise is >= 0 and <= 1, "Adaptation:Denoise", "must be between 0 and 1 (lifted copies per fit window).");
        Check(s.Adaptation.MinIntervalMinutes >= 0, "Adaptation:MinIntervalMinutes", "must be 0 or more.");
        Check(s.Adaptation.ProbationMinutes >= 0 && double.IsFinite(s.Adaptation.ProbationMinutes), "Adaptation:ProbationMinutes", "must be 0 or more.");
        Check(s.Adaptation.RefineMinutes >= 0 && double.IsFinite(s.Adaptation.RefineMinutes), "Adaptation:RefineMinutes", "must be 0 or more.");
        Check(s.Adaptation.RecalibrateBelow >= 0, "Adaptation:RecalibrateBelow", "must be 0 (off) or more held-out windows.");
        Check(s.Adaptation.ProbationFactor >= 1 && double.IsFinite(s.Adaptation.ProbationFactor), "Adaptation:ProbationFactor", "must be at least 1.");
        Check(s.Learning.Threads is >= 1 and <= 64, "Learning:Threads", "must be between 1 and 64.");
        Check(s.Storage.KeepVersions >= 2, "Storage:KeepVersions", "must be at least 2.");
        Check(s.Security.KeyOverlapMinutes is >= 0 and <= 10_080, "Security:KeyOverlapMinutes", "must be between 0 and 10080 (a week).");
        Check(s.Storage.EventRetentionDays >= 1, "Storage:EventRetentionDays", "must be at least 1.");
        Check(s.Storage.SampleCapacity >= s.Adaptation.MinSamples, "Storage:SampleCapacity", "must hold at least Adaptation:MinSamples windows.");
        Check(s.Storage.SampleIntervalSeconds >= 0, "Storage:SampleIntervalSeconds", "must be 0 or more.");
        Check(s.Storage.SampleFlushSeconds >= 10 && double.IsFinite(s.Storage.SampleFlushSeconds), "Storage:SampleFlushSeconds", "must be 10 or more (the housekeeping runs every 10 s).");
    }

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex DeviceIdPattern();

    [GeneratedRegex("^[^+#/]+$")]
    private static partial Regex TopicPattern();
}
