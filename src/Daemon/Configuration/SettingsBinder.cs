using Microsoft.Extensions.Configuration;
using SensorOdl.Drivers.Replay;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Simulation;

namespace SensorOdl.Daemon.Configuration;

/// <summary>
/// Reads <see cref="DaemonSettings"/> from configuration key by key, without reflection: the configuration binder's
/// reflection finds no properties in a trimmed or NativeAOT build and ignores every key without an error
/// (docs/BENCHMARKS.md "The path to a trimmed build"). A new setting is a property in its section record plus its line
/// here; SettingsBinderTests fails for a property without one.
/// </summary>
static class SettingsBinder
{
    public static DaemonSettings Bind(IConfiguration configuration)
    {
        var v = new ConfigurationValues(configuration);
        var d = new DaemonSettings();
        return new DaemonSettings
        {
            Device = Device(v, d.Device),
            Mqtt = Mqtt(v, d.Mqtt),
            Sensor = Sensor(v, d.Sensor),
            Model = Model(v, d.Model),
            Anomaly = Anomaly(v, d.Anomaly),
            Drift = Drift(v, d.Drift),
            Adaptation = Adaptation(v, d.Adaptation),
            Storage = Storage(v, d.Storage),
            Security = Security(v, d.Security),
            HomeAssistant = HomeAssistant(v, d.HomeAssistant),
            Learning = Learning(v, d.Learning),
        };
    }

    static SensorSettings Sensor(ConfigurationValues v, SensorSettings d) => new()
    {
        Kind = v.Enum("Sensor:Kind", d.Kind),
        Bus = v.Int("Sensor:Bus", d.Bus),
        Address = v.OptionalString("Sensor:Address", d.Address),
        ChipSelect = v.Int("Sensor:ChipSelect", d.ChipSelect),
        SampleRateHz = v.Double("Sensor:SampleRateHz", d.SampleRateHz),
        WindowSize = v.Int("Sensor:WindowSize", d.WindowSize),
        Seed = v.Int("Sensor:Seed", d.Seed),
        Speed = v.Double("Sensor:Speed", d.Speed),
        Simulation = Simulation(v, d.Simulation),
        Replay = Replay(v, d.Replay),
        Ambient = Ambient(v, d.Ambient),
        RangeG = v.Int("Sensor:RangeG", d.RangeG),
        RangeVolts = v.Double("Sensor:RangeVolts", d.RangeVolts),
        ReferenceVolts = v.Double("Sensor:ReferenceVolts", d.ReferenceVolts),
        Inputs = v.IntArray("Sensor:Inputs", d.Inputs),
    };

    static SimulatedMachineSettings Simulation(ConfigurationValues v, SimulatedMachineSettings d) => new()
    {
        Drift = v.Enum("Sensor:Simulation:Drift", d.Drift),
        Fault = v.Enum("Sensor:Simulation:Fault", d.Fault),
        ShaftHz = v.OptionalDouble("Sensor:Simulation:ShaftHz", d.ShaftHz),
        Load = v.OptionalDouble("Sensor:Simulation:Load", d.Load),
        MountingGain = v.OptionalDouble("Sensor:Simulation:MountingGain", d.MountingGain),
        ResonanceHz = v.OptionalDouble("Sensor:Simulation:ResonanceHz", d.ResonanceHz),
        NoiseG = v.OptionalDouble("Sensor:Simulation:NoiseG", d.NoiseG),
        Imbalance = v.OptionalDouble("Sensor:Simulation:Imbalance", d.Imbalance),
        OuterRace = v.OptionalDouble("Sensor:Simulation:OuterRace", d.OuterRace),
        InnerRace = v.OptionalDouble("Sensor:Simulation:InnerRace", d.InnerRace),
    };

    static ReplaySettings Replay(ConfigurationValues v, ReplaySettings d) => new(
        Data: v.OptionalString("Sensor:Replay:Data", d.Data),
        Filter: v.OptionalString("Sensor:Replay:Filter", d.Filter),
        Speed: v.Double("Sensor:Replay:Speed", d.Speed),
        Loop: v.Bool("Sensor:Replay:Loop", d.Loop));

    static AmbientSettings Ambient(ConfigurationValues v, AmbientSettings d) => new()
    {
        Kind = v.OptionalEnum("Sensor:Ambient:Kind", d.Kind),
        Bus = v.Int("Sensor:Ambient:Bus", d.Bus),
        Address = v.OptionalString("Sensor:Ambient:Address", d.Address),
        IntervalSeconds = v.Double("Sensor:Ambient:IntervalSeconds", d.IntervalSeconds),
    };

    static DeviceSettings Device(ConfigurationValues v, DeviceSettings d) => new()
    {
        Id = v.String("Device:Id", d.Id),
    };

    static MqttSettings Mqtt(ConfigurationValues v, MqttSettings d) => new()
    {
        Uri = v.String("Mqtt:Uri", d.Uri),
        Username = v.OptionalString("Mqtt:Username", d.Username),
        PasswordFile = v.OptionalString("Mqtt:PasswordFile", d.PasswordFile),
        CaFile = v.OptionalString("Mqtt:CaFile", d.CaFile),
        ClientCertFile = v.OptionalString("Mqtt:ClientCertFile", d.ClientCertFile),
        ClientKeyFile = v.OptionalString("Mqtt:ClientKeyFile", d.ClientKeyFile),
        TopicPrefix = v.String("Mqtt:TopicPrefix", d.TopicPrefix),
        TelemetryIntervalSeconds = v.Double("Mqtt:TelemetryIntervalSeconds", d.TelemetryIntervalSeconds),
        QueueLimit = v.Int("Mqtt:QueueLimit", d.QueueLimit),
        CommandRatePerSecond = v.Double("Mqtt:CommandRatePerSecond", d.CommandRatePerSecond),
        CommandBurst = v.Int("Mqtt:CommandBurst", d.CommandBurst),
        CommandBacklogBytes = v.Long("Mqtt:CommandBacklogBytes", d.CommandBacklogBytes),
    };

    static ModelSection Model(ConfigurationValues v, ModelSection d) => new()
    {
        Path = v.OptionalString("Model:Path", d.Path),
        MaxDeployBytes = v.Long("Model:MaxDeployBytes", d.MaxDeployBytes),
    };

    static AnomalySettings Anomaly(ConfigurationValues v, AnomalySettings d) => new()
    {
        FalseAlarmBudget = v.Double("Anomaly:FalseAlarmBudget", d.FalseAlarmBudget),
        RaiseAfter = v.Int("Anomaly:RaiseAfter", d.RaiseAfter),
        Window = v.Int("Anomaly:Window", d.Window),
        ClearAfter = v.Int("Anomaly:ClearAfter", d.ClearAfter),
        AttentionMinutes = v.Double("Anomaly:AttentionMinutes", d.AttentionMinutes),
        ScoreShare = v.Double("Anomaly:ScoreShare", d.ScoreShare),
        Hidden = v.IntArray("Anomaly:Hidden", d.Hidden),
    };

    static DriftSection Drift(ConfigurationValues v, DriftSection d) => new()
    {
        Window = v.Int("Drift:Window", d.Window),
        Level = v.Double("Drift:Level", d.Level),
        Persistence = v.Int("Drift:Persistence", d.Persistence),
    };

    static AdaptationSettings Adaptation(ConfigurationValues v, AdaptationSettings d) => new()
    {
        Mode = v.Enum("Adaptation:Mode", d.Mode),
        Method = v.String("Adaptation:Method", d.Method),
        Rank = v.Int("Adaptation:Rank", d.Rank),
        Epochs = v.Int("Adaptation:Epochs", d.Epochs),
        LearningRate = v.Double("Adaptation:LearningRate", d.LearningRate),
        BatchSize = v.Int("Adaptation:BatchSize", d.BatchSize),
        Seed = v.Int("Adaptation:Seed", d.Seed),
        MinSamples = v.Int("Adaptation:MinSamples", d.MinSamples),
        Coverage = v.Bool("Adaptation:Coverage", d.Coverage),
        MaxCollectMinutes = v.Double("Adaptation:MaxCollectMinutes", d.MaxCollectMinutes),
        MinIntervalMinutes = v.Double("Adaptation:MinIntervalMinutes", d.MinIntervalMinutes),
        MinFaultRecall = v.Double("Adaptation:MinFaultRecall", d.MinFaultRecall),
        MaxProbeRecallDrop = v.Double("Adaptation:MaxProbeRecallDrop", d.MaxProbeRecallDrop),
        Rehearsal = v.Double("Adaptation:Rehearsal", d.Rehearsal),
        Denoise = v.Double("Adaptation:Denoise", d.Denoise),
        ProbeBar = v.Enum("Adaptation:ProbeBar", d.ProbeBar),
        ThresholdConfidence = v.Double("Adaptation:ThresholdConfidence", d.ThresholdConfidence),
        Validation = v.Enum("Adaptation:Validation", d.Validation),
        ProbationMinutes = v.Double("Adaptation:ProbationMinutes", d.ProbationMinutes),
        RefineMinutes = v.Double("Adaptation:RefineMinutes", d.RefineMinutes),
        ProbeRefine = v.Bool("Adaptation:ProbeRefine", d.ProbeRefine),
        RecalibrateBelow = v.Int("Adaptation:RecalibrateBelow", d.RecalibrateBelow),
        ProbationFactor = v.Double("Adaptation:ProbationFactor", d.ProbationFactor),
        EnforceWaveformProbes = v.Bool("Adaptation:EnforceWaveformProbes", d.EnforceWaveformProbes),
    };

    static StorageSettings Storage(ConfigurationValues v, StorageSettings d) => new()
    {
        StateDir = v.OptionalString("Storage:StateDir", d.StateDir),
        KeepVersions = v.Int("Storage:KeepVersions", d.KeepVersions),
        EventRetentionDays = v.Int("Storage:EventRetentionDays", d.EventRetentionDays),
        SampleCapacity = v.Int("Storage:SampleCapacity", d.SampleCapacity),
        SampleIntervalSeconds = v.Double("Storage:SampleIntervalSeconds", d.SampleIntervalSeconds),
        SampleFlushSeconds = v.Double("Storage:SampleFlushSeconds", d.SampleFlushSeconds),
    };

    static LearningSettings Learning(ConfigurationValues v, LearningSettings d) => new()
    {
        Threads = v.Int("Learning:Threads", d.Threads),
    };

    static SecuritySettings Security(ConfigurationValues v, SecuritySettings d) => new()
    {
        CommandKeyFile = v.OptionalString("Security:CommandKeyFile", d.CommandKeyFile),
        AllowUnsignedButton = v.Bool("Security:AllowUnsignedButton", d.AllowUnsignedButton),
        AllowUnsignedHomeAssistant = v.Bool("Security:AllowUnsignedHomeAssistant", d.AllowUnsignedHomeAssistant),
        TrustLocalClock = v.Bool("Security:TrustLocalClock", d.TrustLocalClock),
        KeyOverlapMinutes = v.Double("Security:KeyOverlapMinutes", d.KeyOverlapMinutes),
    };

    static HomeAssistantSettings HomeAssistant(ConfigurationValues v, HomeAssistantSettings d) => new()
    {
        PerEntityDiscovery = v.Bool("HomeAssistant:PerEntityDiscovery", d.PerEntityDiscovery),
        SupportUrl = v.OptionalString("HomeAssistant:SupportUrl", d.SupportUrl),
    };
}
