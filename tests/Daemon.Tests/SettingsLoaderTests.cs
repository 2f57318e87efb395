using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Features;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Daemon.Configuration;

namespace SensorOdl.Daemon.Tests;

/// <summary>The layered configuration and its validation (docs/CONTRACT.md §2).</summary>
public sealed class SettingsLoaderTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("sensorodl-settings-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static DaemonSettings Load(params (string Key, string Value)[] overrides) => Load(null, overrides);

    static DaemonSettings Load(string? configFile, params (string Key, string Value)[] overrides) =>
        SettingsLoader.Load(SettingsLoader.Build(overrides.Select(o => KeyValuePair.Create(o.Key, o.Value)), configFile, etcFile: null));

    string File(string name, string json)
    {
        string path = Path.Combine(_dir, name);
        System.IO.File.WriteAllText(path, json);
        return path;
    }

    static ConfigurationException Invalid(Action load)
    {
        var error = Assert.Throws<ConfigurationException>(load);
        Assert.DoesNotContain('\n', error.Message);
        return error;
    }

    [Fact]
    public void Without_configuration_every_key_has_its_documented_default()
    {
        DaemonSettings s = Load();

        Assert.Equal("", s.Device.Id);
        Assert.Equal("", s.Mqtt.Uri);
        Assert.Equal("sensorodl", s.Mqtt.TopicPrefix);
        Assert.Equal(1, s.Mqtt.TelemetryIntervalSeconds);
        Assert.Equal(10_000, s.Mqtt.QueueLimit);
        Assert.Equal(SensorKind.Simulated, s.Sensor.Kind);
        Assert.Equal(1, s.Sensor.Bus);
        Assert.Equal(0, s.Sensor.SampleRateHz);
        Assert.Equal(1024, s.Sensor.WindowSize);
        Assert.Equal(1, s.Sensor.Seed);
        Assert.Equal(1, s.Sensor.Speed);
        Assert.Equal(1, s.Sensor.Replay.Speed);
        Assert.False(s.Sensor.Replay.Loop);
        Assert.Equal(60, s.Sensor.Ambient.IntervalSeconds);
        Assert.Null(s.Model.Path);
        Assert.Equal((0.01, 3, 5, 5), (s.Anomaly.FalseAlarmBudget, s.Anomaly.RaiseAfter, s.Anomaly.Window, s.Anomaly.ClearAfter));
        Assert.Equal((60, 0.5, 30), (s.Drift.Window, s.Drift.Level, s.Drift.Persistence));
        Assert.Equal(AdaptationMode.Auto, s.Adaptation.Mode);
        Assert.Equal("skip2-lora-q4", s.Adaptation.Method);
        Assert.Equal(1, s.Adaptation.Seed);
        Assert.Equal((4, 30, 0.002, 16, 120, 10.0, 0.9),
            (s.Adaptation.Rank, s.Adaptation.Epochs, s.Adaptation.LearningRate, s.Adaptation.BatchSize, s.Adaptation.MinSamples, s.Adaptation.MinIntervalMinutes, s.Adaptation.MinFaultRecall));
        Assert.Equal((20, 30, 2000, 1.0), (s.Storage.KeepVersions, s.Storage.EventRetentionDays, s.Storage.SampleCapacity, s.Storage.SampleIntervalSeconds));
        Assert.Null(s.Security.CommandKeyFile);
        Assert.False(s.Security.AllowUnsignedButton);
        Assert.False(s.Security.AllowUnsignedHomeAssistant);
        Assert.False(s.HomeAssistant.PerEntityDiscovery);
        Assert.Null(s.HomeAssistant.SupportUrl);
    }

    [Fact]
    public void The_Home_Assistant_section_binds_and_its_support_url_must_be_http()
    {
        DaemonSettings s = Load(("HomeAssistant:PerEntityDiscovery", "true"), ("HomeAssistant:SupportUrl", "https://example.org/help"),
            ("Security:AllowUnsignedHomeAssistant", "true"));
        Assert.True(s.HomeAssistant.PerEntityDiscovery);
        Assert.Equal("https://example.org/help", s.HomeAssistant.SupportUrl);
        Assert.True(s.Security.AllowUnsignedHomeAssistant);
        Assert.StartsWith("HomeAssistant:SupportUrl:", Invalid(() => Load(("HomeAssistant:SupportUrl", "ftp://example.org"))).Message);
        Assert.StartsWith("HomeAssistant:SupportUrl:", Invalid(() => Load(("HomeAssistant:SupportUrl", "not a url"))).Message);
    }

    [Fact]
    public void Overrides_win_over_the_config_file_which_wins_over_the_etc_file()
    {
        string etc = File("etc.json", """{"Drift": {"Persistence": 11}, "Anomaly": {"ClearAfter": 9}, "Mqtt": {"TopicPrefix": "etc"}}""");
        string config = File("config.json", """{"Drift": {"Persistence": 12, "Window": 70}, "Mqtt": {"TopicPrefix": "file"}, "Sensor": {"Replay": {"Loop": true}}}""");

        DaemonSettings s = SettingsLoader.Load(SettingsLoader.Build([KeyValuePair.Create("Drift:Window", "80")], config, etc));

        Assert.Equal(9, s.Anomaly.ClearAfter);          // only in /etc
        Assert.Equal(12, s.Drift.Persistence);          // --config over /etc
        Assert.Equal("file", s.Mqtt.TopicPrefix);
        Assert.True(s.Sensor.Replay.Loop);              // nested sections
        Assert.Equal(80, s.Drift.Window);               // --Section:Key over --config
    }

    [Fact]
    public void Keys_are_case_insensitive()
    {
        DaemonSettings s = Load(("drift:window", "77"), ("MQTT:topicprefix", "plant"), ("adaptation:method", "lora-all"), ("adaptation:seed", "7"));
        Assert.Equal(7, s.Adaptation.Seed);
        Assert.Equal(77, s.Drift.Window);
        Assert.Equal("plant", s.Mqtt.TopicPrefix);
        Assert.Equal("lora-all", s.Adaptation.Method);
    }

    [Theory]
    [InlineData(null, true, Validation.Blocked)]
    [InlineData(null, false, Validation.Interleaved)]
    [InlineData("auto", true, Validation.Blocked)]
    [InlineData("interleaved", true, Validation.Interleaved)]
    [InlineData("blocked", false, Validation.Blocked)]
    [InlineData("Later", true, Validation.Later)]
    public void The_validation_split_is_chosen_by_the_models_input_unless_set(string? value, bool waveform, Validation expected)
    {
        DaemonSettings s = value is null ? Load() : Load(("Adaptation:Validation", value));
        string config = waveform ? new WaveformFeatureConfiguration(1, 3200, 1024, 16, 10, 1600).ToJson() : new SpectrumFeatureConfiguration(512, 1.0).ToJson();
        Assert.Equal(expected, s.Adaptation.ValidationFor(config));
    }

    [Theory]
    [InlineData(null, false, AdaptationOptions.DefaultDenoise)]
    [InlineData(null, true, 0)]
    [InlineData("0.5", false, 0.5)]
    [InlineData("0.5", true, 0)]
    public void Denoising_lifts_bands_of_spectra_only(string? value, bool waveform, double expected)
    {
        DaemonSettings s = value is null ? Load() : Load(("Adaptation:Denoise", value));
        string config = waveform ? new WaveformFeatureConfiguration(1, 3200, 1024, 16, 10, 1600).ToJson() : new SpectrumFeatureConfiguration(512, 1.0).ToJson();
        Assert.Equal(expected, s.Adaptation.DenoiseFor(config));
    }

    [Theory]
    [InlineData("auto", AdaptationMode.Auto)]
    [InlineData("confirm", AdaptationMode.Confirm)]
    [InlineData("Confirm", AdaptationMode.Confirm)]
    [InlineData("OFF", AdaptationMode.Off)]
    public void Adaptation_mode_names_are_case_insensitive(string value, AdaptationMode expected) =>
        Assert.Equal(expected, Load(("Adaptation:Mode", value)).Adaptation.Mode);

    [Fact]
    public void Keys_the_daemon_does_not_know_are_ignored() =>
        Assert.Equal(60, Load(("Drift:Windw", "not a number"), ("Nonsense:Key", "x")).Drift.Window);

    public static TheoryData<string, string> InvalidValues => new()
    {
        { "Device:Id", "pump/7" },
        { "Device:Id", "pump 7" },
        { "Device:Id", "all" },
        { "Device:Id", "fleet" },
        { "Mqtt:Uri", "http://broker:1883" },
        { "Mqtt:Uri", "not a uri" },
        { "Mqtt:TopicPrefix", "plant/#" },
        { "Mqtt:TopicPrefix", "a+b" },
        { "Mqtt:TopicPrefix", "a/b" },
        { "Mqtt:TelemetryIntervalSeconds", "-1" },
        { "Mqtt:QueueLimit", "9" },
        { "Mqtt:PasswordFile", "/nonexistent/sensorodl-password" },
        { "Mqtt:CaFile", "/nonexistent/ca.pem" },
        { "Security:CommandKeyFile", "/nonexistent/key" },
        { "Sensor:Kind", "lis3dh" },
        { "Sensor:WindowSize", "1000" },
        { "Sensor:WindowSize", "4" },
        { "Sensor:SampleRateHz", "-5" },
        { "Sensor:Speed", "-1" },
        { "Sensor:Replay:Speed", "-1" },
        { "Sensor:Ambient:Kind", "dht22" },
        { "Model:Path", "/nonexistent/model.sodl" },
        { "Anomaly:FalseAlarmBudget", "0.7" },
        { "Anomaly:FalseAlarmBudget", "0" },
        { "Anomaly:RaiseAfter", "6" },
        { "Anomaly:RaiseAfter", "0" },
        { "Anomaly:ClearAfter", "0" },
        { "Anomaly:ScoreShare", "0" },
        { "Anomaly:ScoreShare", "1.01" },
        { "Anomaly:Hidden", "128,0,128" },
        { "Anomaly:Hidden", "2000" },
        { "Anomaly:Hidden", "8,8,8,8,8,8,8,8,8" },
        { "Drift:Window", "4" },
        { "Drift:Level", "1.5" },
        { "Drift:Level", "0" },
        { "Drift:Persistence", "0" },
        { "Adaptation:Method", "no-ft" },
        { "Adaptation:Method", "sgd" },
        { "Adaptation:Rank", "65" },
        { "Adaptation:Epochs", "0" },
        { "Adaptation:Epochs", "1001" },
        { "Adaptation:LearningRate", "1" },
        { "Adaptation:BatchSize", "1025" },
        { "Adaptation:MinSamples", "15" },
        { "Adaptation:MaxCollectMinutes", "0" },
        { "Adaptation:MinIntervalMinutes", "-1" },
        { "Adaptation:ProbationMinutes", "-1" },
        { "Adaptation:ProbationFactor", "0.5" },
        { "Adaptation:RecalibrateBelow", "-1" },
        { "Learning:Threads", "0" },
        { "Learning:Threads", "65" },
        { "Storage:KeepVersions", "1" },
        { "Storage:EventRetentionDays", "0" },
        { "Storage:SampleCapacity", "119" },
        { "Storage:SampleIntervalSeconds", "-1" },
        { "Storage:SampleFlushSeconds", "5" },
        { "Mqtt:TelemetryIntervalSeconds", "NaN" },
        { "Adaptation:Mode", "5" },
    };

    public static TheoryData<string, string> WrongTypes => new()
    {
        { "Drift:Window", "sixty" },
        { "Mqtt:QueueLimit", "1e9" },
        { "Drift:Level", "half" },
        { "Sensor:Replay:Loop", "maybe" },
        { "Adaptation:Mode", "maybe" },
    };

    [Theory]
    [MemberData(nameof(InvalidValues))]
    public void An_invalid_value_stops_loading_with_one_line_naming_the_key(string key, string value)
    {
        ConfigurationException error = Invalid(() => Load((key, value)));
        Assert.StartsWith($"{key}: ", error.Message);
    }

    [Theory]
    [MemberData(nameof(WrongTypes))]
    public void A_value_of_the_wrong_type_stops_loading_with_one_line_naming_the_key_and_the_value(string key, string value)
    {
        ConfigurationException error = Invalid(() => Load((key, value)));
        Assert.Contains(key, error.Message);
        Assert.Contains($"'{value}'", error.Message);
    }

    [Fact]
    public void Replay_needs_its_data_folder()
    {
        ConfigurationException error = Invalid(() => Load(("Sensor:Kind", "replay")));
        Assert.StartsWith("Sensor:Replay:Data: ", error.Message);
    }

    [Fact]
    public void An_unusable_broker_uri_is_reported_as_the_contract_words_it() =>
        Assert.Equal("Mqtt:Uri: 'tcp://x' is not mqtt://host:port or mqtts://host:port.", Invalid(() => Load(("Mqtt:Uri", "tcp://x"))).Message);

    [Fact]
    public void A_value_of_the_wrong_type_is_reported_as_the_contract_words_it() =>
        Assert.Equal("Drift:Window: 'sixty' is not a valid value.", Invalid(() => Load(("Drift:Window", "sixty"))).Message);

    [Fact]
    public void An_undefined_adaptation_mode_number_lists_the_valid_names()
    {
        ConfigurationException error = Invalid(() => Load(("Adaptation:Mode", "5")));
        Assert.StartsWith("Adaptation:Mode: '5'", error.Message);
        Assert.Contains("one of auto, confirm, off", error.Message);
    }

    [Theory]
    [InlineData("maybe")]
    public void An_unknown_adaptation_mode_lists_the_valid_ones(string value)
    {
        ConfigurationException error = Invalid(() => Load(("Adaptation:Mode", value)));
        Assert.StartsWith("Adaptation:Mode: ", error.Message);
        Assert.Contains($"'{value}'", error.Message);
        Assert.Contains("auto", error.Message);
        Assert.Contains("confirm", error.Message);
        Assert.Contains("off", error.Message);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("auto, confirm")]
    public void Adaptation_mode_accepts_only_the_three_names(string value)
    {
        ConfigurationException error = Invalid(() => Load(("Adaptation:Mode", value)));
        Assert.StartsWith("Adaptation:Mode: ", error.Message);
    }

    [Fact]
    public void The_sample_capacity_is_checked_against_the_configured_minimum_samples()
    {
        Assert.Equal(40, Load(("Adaptation:MinSamples", "40"), ("Storage:SampleCapacity", "40")).Storage.SampleCapacity);
        Assert.StartsWith("Storage:SampleCapacity: ", Invalid(() => Load(("Adaptation:MinSamples", "41"), ("Storage:SampleCapacity", "40"))).Message);
    }

    [Fact]
    public void Boundary_values_inside_the_documented_ranges_load()
    {
        DaemonSettings s = Load(("Mqtt:TelemetryIntervalSeconds", "0"), ("Mqtt:QueueLimit", "10"), ("Anomaly:FalseAlarmBudget", "0.49"),
            ("Anomaly:RaiseAfter", "5"), ("Drift:Window", "5"), ("Adaptation:Rank", "64"), ("Adaptation:Epochs", "1000"),
            ("Adaptation:MinSamples", "16"), ("Storage:KeepVersions", "2"), ("Storage:SampleIntervalSeconds", "0"),
            ("Adaptation:MinIntervalMinutes", "0"), ("Device:Id", "Pump_7-b"), ("Anomaly:ScoreShare", "1"), ("Mqtt:Uri", "mqtts://broker.local:8883"),
            ("Anomaly:Hidden", "1024,1,1,1,1,1,1,1024"));
        Assert.Equal(0, s.Mqtt.TelemetryIntervalSeconds);
        Assert.Equal("Pump_7-b", s.Device.Id);
        Assert.Equal(16, s.Adaptation.MinSamples);
        Assert.Equal(1, s.Anomaly.ScoreShare);
        Assert.Equal([1024, 1, 1, 1, 1, 1, 1, 1024], s.Anomaly.Hidden!);
    }

    [Fact]
    public void A_missing_config_file_is_a_configuration_error_naming_it()
    {
        string missing = Path.Combine(_dir, "absent.json");
        ConfigurationException error = Invalid(() => Load(missing));
        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public void A_malformed_config_file_is_a_configuration_error()
    {
        string broken = File("broken.json", """{"Drift": {"Window": 70""");
        ConfigurationException error = Invalid(() => Load(broken));
        Assert.Contains("broken.json", error.Message);
    }

    [Fact]
    public void A_config_file_value_is_validated_like_any_other()
    {
        string config = File("bad.json", """{"Drift": {"Level": 2}}""");
        Assert.StartsWith("Drift:Level: ", Invalid(() => Load(config)).Message);
    }
}

/// <summary>Environment variables are process-wide: these tests run alone, and restore what they change.</summary>
[CollectionDefinition(nameof(EnvironmentVariableTests), DisableParallelization = true)]
public sealed class EnvironmentVariableCollection;

[Collection(nameof(EnvironmentVariableTests))]
public sealed class EnvironmentVariableTests : IDisposable
{
    const string Variable = "SENSORODL_Drift__Window";
    readonly string? _before = Environment.GetEnvironmentVariable(Variable);
    readonly string _dir = Directory.CreateTempSubdirectory("sensorodl-settings-env-").FullName;

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(Variable, _before);
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void SENSORODL_variables_win_over_the_config_file_and_lose_to_overrides()
    {
        string config = Path.Combine(_dir, "config.json");
        File.WriteAllText(config, """{"Drift": {"Window": 70}}""");
        Environment.SetEnvironmentVariable(Variable, "90");

        Assert.Equal(90, SettingsLoader.Load(SettingsLoader.Build([], config, etcFile: null)).Drift.Window);
        Assert.Equal(80, SettingsLoader.Load(SettingsLoader.Build([KeyValuePair.Create("Drift:Window", "80")], config, etcFile: null)).Drift.Window);

        Environment.SetEnvironmentVariable(Variable, "4");
        var error = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(SettingsLoader.Build([], null, etcFile: null)));
        Assert.StartsWith("Drift:Window: ", error.Message);
    }
}
