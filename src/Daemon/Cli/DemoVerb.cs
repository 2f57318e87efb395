using SensorOdl.Drivers.Features;
using System.Globalization;
using System.Text.Json.Nodes;
using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Daemon.Training;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Simulation;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Cli;

/// <summary>
/// `sensorodl demo`: the whole story on the simulated machine in accelerated time, through the daemon's
/// own pipeline (window monitor, drift detector, sample store, adaptation coordinator, registry) on a
/// temporary state directory: normal → new mounting (drift) → drift detected → Skip2-LoRA fine-tune →
/// new version promoted → an outer-race fault still detected.
/// </summary>
public sealed class DemoVerb : IVerb
{
    const int MaxWindows = 20_000;

    public string Name => "demo";
    public string Summary => "the whole story on the simulated machine, in accelerated time (< 2 min)";
    public string Help => """
        usage: sensorodl demo [--json] [--Adaptation:Method=NAME] [--Sensor:Seed=N]

        Prints a timeline on the simulated machine's clock; --json prints one event object per line
        (docs/CONTRACT.md §3 shape: seq, ts, type, …). Nothing is kept: the state lives in a temporary directory.

        """;

    public Task<int> RunAsync(ParsedArguments arguments, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        DaemonSettings settings = arguments.LoadSettings();
        bool json = arguments.Has("json");
        arguments.RejectUnknown();
        settings = settings with { Storage = settings.Storage with { SampleIntervalSeconds = 0.25 } };
        string stateDirectory = Directory.CreateTempSubdirectory("sensorodl-demo-").FullName;
        try { return Task.FromResult(Run(settings, stateDirectory, json, stdout, cancellation)); }
        finally { Directory.Delete(stateDirectory, recursive: true); }
    }

    static int Run(DaemonSettings settings, string stateDirectory, bool json, TextWriter stdout, CancellationToken cancellation)
    {
        using var machine = new SimulatedMachineSensor(new SimulationSettings(12_000, settings.Sensor.WindowSize, settings.Sensor.Seed, Speed: 0));
        var vectorizer = new FeatureTransform(machine.Format);
        using StateDatabase state = StateDatabase.Open(stateDirectory);
        PipelineStores stores = PipelineStores.Open(state, stateDirectory, settings.Storage);
        var clock = new DataClock(DateTimeOffset.UtcNow); // event times: now plus the simulated clock
        var status = new DaemonStatus("demo", machine.Kind, clock);
        var events = new EventRecorder();
        long seq = 0;
        void Say(string type, JsonObject? fields)
        {
            var line = new JsonObject { ["seq"] = ++seq, ["ts"] = clock.GetUtcNow().ToUnixTimeMilliseconds(), ["type"] = type };
            foreach ((string key, JsonNode? value) in fields ?? []) line[key] = value?.DeepClone();
            stdout.WriteLine(json ? line.ToJsonString() : $"{clock.Seconds,8:F1} s  {type,-16} {Describe(type, fields)}");
        }
        events.Emitted += (type, _, fields) => Say(type, fields);
        void Narrate(string text) { if (!json) stdout.WriteLine($"{clock.Seconds,8:F1} s  {"--",-16} {text}"); }

        Narrate("training a base model on the healthy machine, as mounted in the lab");
        AnomalyModel baseModel = BaseModelTraining.ForSimulatedMachine(vectorizer, settings.Sensor.Seed, settings.Anomaly);
        ModelVersionRecord first = stores.Registry.AddBase(baseModel, "demo: trained on the lab mounting", BaseModelTraining.SimulatedMachineWindows);
        var pipeline = new MonitoringPipeline(new LiveSettings(settings), stores, vectorizer, status, events, clock, baseModel, first, replay: true);
        AdaptationCoordinator coordinator = pipeline.Adaptation;
        Say("model_promoted", new JsonObject { ["version"] = first.Version, ["method"] = "base", ["reason"] = "trained on the lab mounting" });

        SensorFrame frame = machine.CreateFrame();
        int Stream(int windows, Func<bool>? until = null)
        {
            int flagged = 0;
            for (int i = 0; i < windows && !(until?.Invoke() ?? false); i++)
            {
                cancellation.ThrowIfCancellationRequested();
                machine.Read(frame);
                clock.Seconds = frame.RecordingTimeS;
                if (pipeline.Process(frame).Anomalous) flagged++;
            }
            return flagged;
        }

        int normalFlagged = Stream(600);
        Narrate($"normal operation: {normalFlagged} of 600 windows above the threshold");
        machine.Machine.SetCondition(MachineScenarios.Condition(DriftKind.Mounting));
        Narrate("the sensor is remounted on a magnet base elsewhere on the housing: the environment drifts");
        Stream(MaxWindows, () => coordinator.Promoted > 0 || coordinator.Rejected > 1);
        if (coordinator.Promoted == 0)
        {
            Narrate("no new version was promoted; the demo stops here");
            return 1;
        }
        int afterFlagged = Stream(600);
        Narrate($"new normal with model version {stores.Registry.ActiveVersion}: {afterFlagged} of 600 windows above the threshold");
        machine.Machine.InjectFaults(new MachineFaults(OuterRace: 0.6));
        Narrate("an outer-race bearing defect appears");
        int faultFlagged = Stream(300);
        Narrate($"fault: {faultFlagged} of 300 windows above the threshold; anomaly {(status.ToJson(0)["anomaly"]!["active"]!.GetValue<bool>() ? "raised" : "NOT raised")}");
        return faultFlagged > 150 ? 0 : 1;
    }

    static string Describe(string type, JsonObject? f) => type switch
    {
        "anomaly" or "anomaly_cleared" => $"score {f?["score"]} (threshold {f?["threshold"]})",
        "drift_detected" => $"{Percent(f?["statistic"])} of recent windows above the threshold, {Percent(f?["shift"])} above the model's 90th percentile",
        "training_started" => $"{f?["method"]} on {f?["samples"]} windows of the new normal",
        "training_finished" => $"in {f?["seconds"]} s",
        "model_promoted" => $"version {f?["version"]} ({f?["method"]}): {f?["reason"]}",
        "model_rejected" => $"{f?["reason"]}",
        _ => f?.ToJsonString() ?? "",
    };

    static string Percent(JsonNode? value) =>
        value is JsonValue v && v.TryGetValue(out double d) ? d.ToString("P0", CultureInfo.InvariantCulture) : "?";
}
