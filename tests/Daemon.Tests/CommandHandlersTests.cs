using System.Text.Json.Nodes;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Mqtt;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// The command verbs (docs/CONTRACT.md §3 Commands) on the daemon's own pipeline: the simulated machine, a real
/// state directory, the data clock; adaptation jobs run inline, so a retrain has finished when the command returns.
/// </summary>
public sealed class CommandHandlersTests : IDisposable
{
    const int Capacity = 64, MinSamples = 16;
    readonly string _dir = Directory.CreateTempSubdirectory("sensorodl-commands-").FullName;
    readonly SimulatedPipeline _rig;
    readonly CommandHandlers _handlers;
    double _dataS;

    public CommandHandlersTests()
    {
        var settings = new DaemonSettings
        {
            Adaptation = new() { MinSamples = MinSamples },
            Storage = new() { SampleIntervalSeconds = 0, SampleCapacity = Capacity, KeepVersions = 2 },
        };
        _rig = SimulatedPipeline.Start(_dir, settings, seed: 4, trainingWindows: 100);
        MonitoringPipeline p = _rig.Pipeline;
        p.Status.Started();
        _handlers = new CommandHandlers(p.Settings, p.Status, p.Stores.Registry, p.Stores.Samples, _rig.Events, p.Model, p.Adaptation,
            () => _dataS, _rig.Clock);
    }

    public void Dispose()
    {
        _rig.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    MonitoringPipeline Pipeline => _rig.Pipeline;
    ModelRegistry Registry => Pipeline.Stores.Registry;
    SampleStore Samples => Pipeline.Stores.Samples;
    LiveSettings Live => Pipeline.Settings;
    long NowMs => _rig.Clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Windows through the pipeline; the data clock the handlers see follows them.</summary>
    WindowResult Stream(int windows)
    {
        WindowResult last = default;
        for (int i = 0; i < windows; i++) last = _rig.Next();
        _dataS = _rig.Clock.Seconds;
        return last;
    }

    Task<JsonNode> Run(string command, string args = "{}") => _handlers.ExecuteAsync(command, (JsonObject)JsonNode.Parse(args)!);

    async Task<CommandError> Refused(string code, string command, string args = "{}")
    {
        var error = await Assert.ThrowsAsync<CommandError>(() => Run(command, args));
        Assert.Equal(code, error.Code);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        return error;
    }

    /// <summary>Adapted versions of the running base, added without activating them.</summary>
    IReadOnlyList<ModelVersionRecord> AddVersions(int count) =>
        [.. Enumerable.Range(0, count).Select(i => Registry.AddAdapted(TinyModels.Adapted(Pipeline.Model.Current.Model, seed: 10 + i), 1, "test", 16, null, null, activate: false))];

    IReadOnlyList<JsonObject?> EventsOf(string type) => [.. _rig.Events.Events.Where(e => e.Type == type).Select(e => e.Fields)];

    // ---- status

    [Fact]
    public async Task Status_has_the_contract_shape_and_describes_the_running_model()
    {
        WindowResult last = Stream(5);
        ModelVersionRecord active = Registry.Get(1)!;

        var status = (JsonObject)await Run("status");

        Assert.Equal(["device", "state", "uptimeSeconds", "model", "anomaly", "drift", "attention", "collecting", "refine", "probation", "candidate", "training", "sensor", "ambient", "ts"], status.Select(kv => kv.Key));
        Assert.Equal("t", (string)status["device"]!);
        Assert.Equal("monitoring", (string)status["state"]!);
        Assert.Equal(NowMs, (long)status["ts"]!);
        JsonObject model = status["model"]!.AsObject();
        Assert.Equal(1, (int)model["version"]!);
        Assert.Equal(active.Id, (string)model["id"]!);
        Assert.Equal("base", (string)model["method"]!);
        Assert.Equal(active.CreatedAt, (long)model["createdAt"]!);
        JsonObject anomaly = status["anomaly"]!.AsObject();
        Assert.Equal(Math.Round(Pipeline.Model.Current.Model.Threshold, 6), (double)anomaly["threshold"]!, 6);
        Assert.Equal(Math.Round(last.Score, 6), (double)anomaly["score"]!, 6);
        Assert.False((bool)anomaly["active"]!);
        Assert.False((bool)status["drift"]!["detected"]!);
        Assert.Null(status["drift"]!["since"]);
        Assert.Null(status["training"]);
        Assert.Equal("simulated", (string)status["sensor"]!["kind"]!);
        Assert.True((bool)status["sensor"]!["healthy"]!);
        Assert.Null(status["ambient"]);
    }

    [Fact]
    public async Task Status_drift_threshold_is_the_drift_level_from_the_start()
    {
        Stream(3);
        var status = (JsonObject)await Run("status");
        Assert.Equal(Live.Current.Drift.Level, (double)status["drift"]!["threshold"]!);
    }

    [Fact]
    public async Task Status_score_is_the_latest_windows_score_also_on_the_window_that_turns_the_anomaly_on()
    {
        Stream(5);
        WindowResult last = default;
        for (int i = 0; i < 5 && !Pipeline.Status.ToJson(0)["anomaly"]!["active"]!.GetValue<bool>(); i++)
            last = _rig.Next(Loud);
        var status = (JsonObject)await Run("status");
        Assert.True((bool)status["anomaly"]!["active"]!);
        Assert.Equal(Math.Round(last.Score, 6), (double)status["anomaly"]!["score"]!, 6);
    }

    /// <summary>A window ten times as strong: far above any threshold.</summary>
    static void Loud(Drivers.Sensors.SensorFrame frame)
    {
        Span<float> samples = frame.ChannelBuffer(0);
        for (int i = 0; i < samples.Length; i++) samples[i] *= 10;
    }

    [Theory]
    [InlineData("status")]
    [InlineData("pause")]
    [InlineData("resume")]
    public async Task Verbs_without_arguments_refuse_arguments(string command)
    {
        await Refused("bad_args", command, """{"seconds": 60}""");
        Assert.False(Pipeline.Status.Paused);
    }

    // ---- retrain

    [Fact]
    public async Task Retrain_starts_a_job_with_the_requested_method_epochs_and_samples()
    {
        Stream(30);

        var result = (JsonObject)await Run("retrain", """{"method": "lora-last", "epochs": 2, "samples": 20}""");

        string job = (string)result["job"]!;
        Assert.StartsWith("job-", job);
        JsonObject started = Assert.Single(EventsOf("training_started"))!;
        Assert.Equal(job, (string)started["job"]!);
        Assert.Equal("lora-last", (string)started["method"]!);
        Assert.Equal(2, (int)started["epochs"]!);
        Assert.Equal(20, (int)started["samples"]!);
        Assert.Equal("retrain command", (string)started["reason"]!);
        Assert.Contains(_rig.Types, t => t is "model_promoted" or "model_rejected");
    }

    [Fact]
    public async Task Retrain_defaults_to_the_configured_method_epochs_and_minimum_samples()
    {
        Stream(30);
        Live.Update(s => s with { Adaptation = s.Adaptation with { Method = "ft-last", Epochs = 3 } });

        await Run("retrain");

        JsonObject started = Assert.Single(EventsOf("training_started"))!;
        Assert.Equal("ft-last", (string)started["method"]!);
        Assert.Equal(3, (int)started["epochs"]!);
        Assert.Equal(MinSamples, (int)started["samples"]!);
    }

    [Fact]
    public async Task Retrain_is_busy_while_a_job_collects()
    {
        Stream(20);
        await Run("retrain", $$"""{"samples": {{Capacity}}}"""); // 20 stored, 64 wanted: the job collects
        Assert.Equal(DaemonState.Collecting, Pipeline.Status.State);

        await Refused("busy", "retrain", """{"epochs": 1}""");
        _dataS += 3600;
        await Refused("busy", "retrain");
        Assert.Empty(EventsOf("training_started"));
    }

    [Fact]
    public async Task Retrain_is_rate_limited_on_the_data_clock_not_the_wall_clock()
    {
        Stream(20);
        double first = _dataS;
        await Run("retrain", """{"epochs": 1, "samples": 16}""");
        Assert.Single(EventsOf("training_started"));

        _dataS = first + 9 * 60; // Adaptation:MinIntervalMinutes = 10 of data time
        CommandError limited = await Refused("rate_limited", "retrain", """{"epochs": 1, "samples": 16}""");
        Assert.Contains("10", limited.Message);

        _dataS = first + 10 * 60 + 1;
        var result = (JsonObject)await Run("retrain", """{"epochs": 1, "samples": 16}""");
        Assert.StartsWith("job-", (string)result["job"]!);
        Assert.Equal(2, EventsOf("training_started").Count);
    }

    [Theory]
    [InlineData("""{"method": "sgd"}""")]
    [InlineData("""{"method": "no-ft"}""")]
    [InlineData("""{"method": 3}""")]
    [InlineData("""{"epochs": 0}""")]
    [InlineData("""{"epochs": 1001}""")]
    [InlineData("""{"epochs": 2.5}""")]
    [InlineData("""{"epochs": "20"}""")]
    [InlineData("""{"samples": 15}""")]
    [InlineData("""{"samples": 65}""")]
    [InlineData("""{"epochs": 5, "speed": "fast"}""")]
    public async Task Retrain_refuses_bad_arguments_and_starts_nothing(string args)
    {
        Stream(20);
        await Refused("bad_args", "retrain", args);
        Assert.Empty(EventsOf("training_started"));
        Assert.Equal(DaemonState.Monitoring, Pipeline.Status.State);
        // Nothing was claimed: a valid retrain goes ahead.
        await Run("retrain", """{"epochs": 1}""");
        Assert.Single(EventsOf("training_started"));
    }

    [Fact]
    public async Task Retrain_names_the_unknown_argument()
    {
        CommandError error = await Refused("bad_args", "retrain", """{"speed": 1}""");
        Assert.Contains("speed", error.Message);
    }

    // ---- rollback

    [Fact]
    public async Task Rollback_switches_the_active_model_and_reports_where_it_came_from()
    {
        ModelVersionRecord v2 = AddVersions(1)[0];
        Stream(3);

        var result = (JsonObject)await Run("rollback", """{"version": 2}""");

        Assert.Equal(2, (int)result["version"]!);
        Assert.Equal(1, (int)result["fromVersion"]!);
        Assert.Equal(2, Pipeline.Model.Current.Info.Version);
        Assert.Equal("lora-last", Pipeline.Model.Current.Model.Method);
        Assert.Equal(2, Registry.ActiveVersion);
        Assert.Equal(2, Pipeline.Status.Model!.Version);
        (_, long ts, JsonObject? fields) = Assert.Single(_rig.Events.Events, e => e.Type == "model_rolled_back");
        Assert.Equal(NowMs, ts);
        Assert.Equal(2, (int)fields!["version"]!);
        Assert.Equal(1, (int)fields["fromVersion"]!);
        Assert.Equal(v2.Id, (string)fields["id"]!);
        // The next window is scored by version 2.
        Assert.Equal(v2.Threshold, _rig.Next().Threshold);

        result = (JsonObject)await Run("rollback", """{"version": 1}""");
        Assert.Equal(2, (int)result["fromVersion"]!);
        Assert.Equal(1, Pipeline.Model.Current.Info.Version);
        Assert.Equal(1, Registry.ActiveVersion);
    }

    [Fact]
    public async Task Rollback_to_an_unknown_or_retired_version_is_not_found_and_changes_nothing()
    {
        AddVersions(3); // versions 2..4; Storage:KeepVersions = 2 retires version 2
        Assert.True(Registry.Get(2)!.Retired);

        await Refused("not_found", "rollback", """{"version": 9}""");
        await Refused("not_found", "rollback", """{"version": 2}""");

        Assert.Equal(1, Pipeline.Model.Current.Info.Version);
        Assert.Equal(1, Registry.ActiveVersion);
        Assert.Empty(EventsOf("model_rolled_back"));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"version": 0}""")]
    [InlineData("""{"version": "2"}""")]
    [InlineData("""{"version": 2, "force": true}""")]
    public async Task Rollback_refuses_bad_arguments(string args)
    {
        AddVersions(1);
        await Refused("bad_args", "rollback", args);
        Assert.Equal(1, Pipeline.Model.Current.Info.Version);
    }

    [Theory]
    [InlineData(DaemonState.Training)]
    [InlineData(DaemonState.Validating)]
    public async Task Rollback_is_busy_while_a_job_trains_or_validates(DaemonState activity)
    {
        AddVersions(1);
        Pipeline.Status.SetActivity(activity);

        await Refused("busy", "rollback", """{"version": 2}""");
        Assert.Equal(1, Pipeline.Model.Current.Info.Version);
        Assert.Equal(1, Registry.ActiveVersion);

        Pipeline.Status.SetActivity(DaemonState.Monitoring);
        await Run("rollback", """{"version": 2}""");
        Assert.Equal(2, Pipeline.Model.Current.Info.Version);
    }

    [Fact]
    public async Task Rollback_is_busy_while_a_job_trains_even_when_paused()
    {
        AddVersions(1);
        Pipeline.Status.SetActivity(DaemonState.Training);
        await Run("pause");

        await Refused("busy", "rollback", """{"version": 2}""");
        Assert.Equal(1, Pipeline.Model.Current.Info.Version);
    }

    // ---- label

    [Fact]
    public async Task Label_fault_counts_and_pins_the_windows_of_the_span()
    {
        Stream(30);
        IReadOnlyList<SampleRecord> stored = Samples.Newest(100);
        Assert.Equal(30, stored.Count);
        long from = stored[10].Ts, to = stored[14].Ts;

        var result = (JsonObject)await Run("label", $$"""{"from": {{from}}, "to": {{to}}, "label": "fault"}""");

        Assert.Equal(5, (int)result["labelled"]!);
        Assert.Equal("fault", (string)result["label"]!);
        Assert.Equal(from, (long)result["from"]!);
        Assert.Equal(to, (long)result["to"]!);
        long[] labelled = [.. stored.Skip(10).Take(5).Select(s => s.Id)];
        Assert.Equal(labelled, Samples.Labelled("fault").Select(s => s.Id).Order());
        Assert.DoesNotContain(Samples.Newest(100), s => labelled.Contains(s.Id)); // not training material

        // Pinned: far more windows than Storage:SampleCapacity later, they are still there.
        Stream(3 * Capacity);
        Assert.Equal(Capacity, Samples.CountSince(long.MinValue));
        Assert.Equal(labelled, Samples.Labelled("fault").Select(s => s.Id).Order());
    }

    [Fact]
    public async Task Label_normal_keeps_the_windows_usable_for_training_and_pinned()
    {
        Stream(20);
        IReadOnlyList<SampleRecord> stored = Samples.Newest(100);
        long[] labelled = [stored[0].Id, stored[1].Id];

        var result = (JsonObject)await Run("label", $$"""{"from": {{stored[0].Ts}}, "to": {{stored[1].Ts}}, "label": "normal"}""");

        Assert.Equal(2, (int)result["labelled"]!);
        Assert.Equal(labelled, Samples.Labelled("normal").Select(s => s.Id).Order());
        Stream(2 * Capacity);
        Assert.Equal(labelled, Samples.Labelled("normal").Select(s => s.Id).Order());
        Assert.Contains(Samples.Newest(1000), s => s.Id == labelled[0]);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"from": 0, "label": "fault"}""")]
    [InlineData("""{"to": 9000000000000000, "label": "fault"}""")]
    [InlineData("""{"from": 0, "to": 9000000000000000}""")]
    [InlineData("""{"from": 9000000000000000, "to": 0, "label": "fault"}""")]
    [InlineData("""{"from": 0, "to": 9000000000000000, "label": "broken"}""")]
    [InlineData("""{"from": 0, "to": 9000000000000000, "label": 1}""")]
    [InlineData("""{"from": "0", "to": 9000000000000000, "label": "fault"}""")]
    [InlineData("""{"from": 0.5, "to": 9000000000000000, "label": "fault"}""")]
    [InlineData("""{"from": 0, "to": 9000000000000000, "label": "fault", "note": "x"}""")]
    public async Task Label_refuses_bad_spans_and_labels_nothing(string args)
    {
        Stream(10);
        await Refused("bad_args", "label", args);
        Assert.Empty(Samples.Labelled("fault"));
        Assert.Empty(Samples.Labelled("broken"));
    }

    // ---- pause, resume

    [Fact]
    public async Task Pause_stops_scoring_and_storing_until_resume()
    {
        Stream(2);
        long scored = Pipeline.Monitor.WindowsScored;
        int stored = Samples.CountSince(long.MinValue);

        Assert.Equal("paused", (string)(await Run("pause"))["state"]!);
        Assert.True(Pipeline.Status.Paused);
        Assert.Equal(DaemonState.Paused, Pipeline.Status.State);
        Assert.False(_rig.Next().Scored);
        Assert.Equal(scored, Pipeline.Monitor.WindowsScored);
        Assert.Equal(stored, Samples.CountSince(long.MinValue));

        Assert.Equal("monitoring", (string)(await Run("resume"))["state"]!);
        Assert.False(Pipeline.Status.Paused);
        Assert.True(_rig.Next().Scored);
        Assert.Equal(scored + 1, Pipeline.Monitor.WindowsScored);
    }

    // ---- set

    [Fact]
    public async Task Set_Adaptation_Mode_swaps_a_new_snapshot_and_leaves_the_old_one_as_it_was()
    {
        DaemonSettings before = Live.Current;

        var result = (JsonObject)await Run("set", """{"key": "Adaptation:Mode", "value": "confirm"}""");

        Assert.Equal("Adaptation:Mode", (string)result["key"]!);
        Assert.Equal("confirm", (string)result["value"]!);
        Assert.Equal(AdaptationMode.Confirm, Live.Current.Adaptation.Mode);
        Assert.Equal(AdaptationMode.Auto, before.Adaptation.Mode);
        Assert.NotSame(before, Live.Current);
        Assert.Equal(before with { Adaptation = Live.Current.Adaptation }, Live.Current); // nothing else changed

        await Run("set", """{"key": "Adaptation:Mode", "value": "off"}""");
        Assert.Equal(AdaptationMode.Off, Live.Current.Adaptation.Mode);
    }

    [Theory]
    [InlineData("0.05", 0.05)]
    [InlineData("\"0.2\"", 0.2)]
    [InlineData("0.49", 0.49)]
    public async Task Set_Anomaly_FalseAlarmBudget_takes_numbers_and_numeric_strings(string value, double expected)
    {
        DaemonSettings before = Live.Current;
        await Run("set", $$"""{"key": "Anomaly:FalseAlarmBudget", "value": {{value}}}""");
        Assert.Equal(expected, Live.Current.Anomaly.FalseAlarmBudget);
        Assert.Equal(0.01, before.Anomaly.FalseAlarmBudget);
        Assert.Equal(before with { Anomaly = Live.Current.Anomaly }, Live.Current);
    }

    [Theory]
    [InlineData("0", 0.0)]
    [InlineData("\"2.5\"", 2.5)]
    [InlineData("30", 30.0)]
    public async Task Set_Mqtt_TelemetryIntervalSeconds_takes_numbers_and_numeric_strings(string value, double expected)
    {
        DaemonSettings before = Live.Current;
        var result = (JsonObject)await Run("set", $$"""{"key": "Mqtt:TelemetryIntervalSeconds", "value": {{value}}}""");
        Assert.Equal(JsonNode.Parse(value)!.ToJsonString(), result["value"]!.ToJsonString());
        Assert.Equal(expected, Live.Current.Mqtt.TelemetryIntervalSeconds);
        Assert.Equal(1, before.Mqtt.TelemetryIntervalSeconds);
        Assert.Equal(before with { Mqtt = Live.Current.Mqtt }, Live.Current);
    }

    [Theory]
    [InlineData("""{"key": "Adaptation:Mode", "value": "maybe"}""")]
    [InlineData("""{"key": "Adaptation:Mode", "value": 1}""")]
    [InlineData("""{"key": "Anomaly:FalseAlarmBudget", "value": 0.5}""")]
    [InlineData("""{"key": "Anomaly:FalseAlarmBudget", "value": 0}""")]
    [InlineData("""{"key": "Anomaly:FalseAlarmBudget", "value": "abc"}""")]
    [InlineData("""{"key": "Anomaly:FalseAlarmBudget", "value": "NaN"}""")]
    [InlineData("""{"key": "Anomaly:FalseAlarmBudget", "value": true}""")]
    [InlineData("""{"key": "Mqtt:TelemetryIntervalSeconds", "value": -1}""")]
    [InlineData("""{"key": "Mqtt:TelemetryIntervalSeconds", "value": "Infinity"}""")]
    [InlineData("""{"key": "Mqtt:TelemetryIntervalSeconds", "value": [1]}""")]
    [InlineData("""{"key": "Drift:Level", "value": 0.3}""")]
    [InlineData("""{"key": "Adaptation:Mode"}""")]
    [InlineData("""{"value": "off"}""")]
    [InlineData("""{"key": 5, "value": "off"}""")]
    [InlineData("""{"key": "Adaptation:Mode", "value": "off", "persist": true}""")]
    public async Task Set_refuses_unknown_keys_and_values_out_of_range_and_keeps_the_snapshot(string args)
    {
        DaemonSettings before = Live.Current;
        await Refused("bad_args", "set", args);
        Assert.Same(before, Live.Current);
    }

    // ---- unknown

    [Theory]
    [InlineData("deploy")]
    [InlineData("Status")]
    [InlineData("")]
    public async Task An_unknown_command_is_unknown_command(string command)
    {
        CommandError error = await Refused("unknown_command", command);
        Assert.Contains("status", error.Message);
    }
}
