using System.Globalization;
using System.Text.Json.Nodes;
using SensorOdl.Daemon.Mqtt;
using SensorOdl.Daemon.Mqtt.HomeAssistant;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;

namespace SensorOdl.Daemon.Tests.HomeAssistant;

/// <summary>
/// Every value and attribute template of the discovery, rendered with jinja2 (Home Assistant's engine) against the
/// status JSON the daemon's own <see cref="DaemonStatus"/> writes in each state, plus the pending-candidate shape of
/// the contract (`state: pending`, `candidate{version, metrics}`) and its absent or null variants.
/// </summary>
public sealed class TemplateRenderingTests
{
    static readonly Topics Topics = new("sensorodl", "pump-7");
    const long Now = 1_795_641_337_000;

    static DaemonStatus Monitoring()
    {
        var status = new DaemonStatus("pump-7", "adxl345");
        status.SetDriftLevel(0.5);
        status.SetModel(new ModelInfo(2, "3fab", "skip2-lora-q4", Now - 60_000), 1.27f);
        status.Started();
        status.SetScore(0.41f, false);
        status.SetDriftStatistic(0.0167, 0.1333);
        return status;
    }

    static JsonObject Pending(JsonNode? candidate)
    {
        JsonObject json = Monitoring().ToJson(Now);
        json["state"] = "pending";
        json["candidate"] = candidate;
        return json;
    }

    static IEnumerable<(string Name, JsonObject Status)> Statuses()
    {
        yield return ("starting", new DaemonStatus("pump-7", "simulated").ToJson(Now));
        yield return ("monitoring", Monitoring().ToJson(Now));
        DaemonStatus s = Monitoring(); s.SetAnomaly(true); s.SetScore(3.5f, true);
        yield return ("anomaly", s.ToJson(Now));
        s = Monitoring(); s.SetDrift(true, 0.73, 0.5, Now - 5_000);
        yield return ("drift", s.ToJson(Now));
        s = Monitoring(); s.SetDrift(true, 0.73, 0.5, Now - 5_000);
        s.SetAttention(new AttentionNotice(AttentionNotice.AdaptationRefused, "drift is declared and the adapted candidate was refused (blind to …)", Now - 1_000));
        yield return ("attention", s.ToJson(Now));
        JsonObject older = Monitoring().ToJson(Now);
        older.Remove("attention");
        yield return ("an older daemon's status, without attention", older);
        s = Monitoring(); s.SetDrift(true, 0.73, 0.5, Now - 5_000); s.SetActivity(DaemonState.Collecting); s.SetCollecting(40, 120);
        yield return ("collecting", s.ToJson(Now));
        s = Monitoring(); s.SetActivity(DaemonState.Training); s.SetTraining(new TrainingInfo(0.25, 8, 30, 12.5));
        yield return ("training", s.ToJson(Now));
        s = Monitoring(); s.SetActivity(DaemonState.Training); s.SetTraining(new TrainingInfo(0, 0, 30, null));
        yield return ("training, no eta", s.ToJson(Now));
        s = Monitoring(); s.SetActivity(DaemonState.Validating);
        yield return ("validating", s.ToJson(Now));
        s = Monitoring(); s.SetSensor(false, "I2C read failed");
        yield return ("degraded", s.ToJson(Now));
        s = Monitoring(); s.SetPaused(true);
        yield return ("paused", s.ToJson(Now));
        s = Monitoring(); s.SetAmbient(new JsonObject { ["temperatureC"] = 21.53, ["humidityPercent"] = 40.2, ["pressureHpa"] = 1013.2, ["ts"] = Now });
        yield return ("ambient", s.ToJson(Now));
        s = Monitoring(); s.SetAmbient(new JsonObject { ["kind"] = "bme280", ["error"] = "no answer at 0x76" });
        yield return ("ambient fault", s.ToJson(Now));
        yield return ("pending", Pending(new JsonObject
        {
            ["version"] = 3,
            ["metrics"] = new JsonObject { ["falseAlarmsBefore"] = 0.12, ["falseAlarmsAfter"] = 0.008, ["faultRecallAfter"] = 1.0, ["windows"] = 480 },
        }));
        yield return ("pending, no metrics", Pending(new JsonObject { ["version"] = 3, ["metrics"] = null }));
        yield return ("pending, other metrics", Pending(new JsonObject { ["version"] = 3, ["metrics"] = new JsonObject { ["seconds"] = 4.2 } }));
        yield return ("candidate null", Pending(null));
    }

    static JsonObject ModelTopic() => MqttPublisher.ModelJson(new ModelVersionRecord
    {
        Version = 2, Id = "3fab", ParentVersion = 1, Method = "skip2-lora-q4", CreatedAt = Now, TrainSamples = 480,
        Metrics = new() { ["falseAlarmsAfter"] = 0.008 }, Reason = "drift",
    });

    [JinjaFact]
    public void Every_template_renders_against_real_status_json_in_every_state()
    {
        IReadOnlyList<HomeAssistantEntity> entities = HomeAssistantEntities.For(Topics, new HomeAssistantContext(Ambient: true, KeptVersions: [1, 2, 3]));
        List<(string Template, JsonObject Variables)> jobs = [];
        List<(string What, Action<string> Check)> checks = [];
        string modelPayload = ModelTopic().ToJsonString();
        foreach ((string name, JsonObject status) in Statuses())
        {
            string payload = status.ToJsonString();
            foreach (HomeAssistantEntity entity in entities)
            {
                JsonObject o = entity.Options;
                string? stateTopic = o["state_topic"]?.GetValue<string>();
                if (stateTopic is null) continue;
                string statePayload = stateTopic == Topics.Status ? payload : modelPayload;
                if (o["value_template"] is { } value)
                {
                    jobs.Add((value.GetValue<string>(), JinjaRenderer.ForPayload(statePayload)));
                    checks.Add(($"{entity.ObjectId} value in '{name}'", text => CheckValue(entity, stateTopic == Topics.Status ? status : ModelTopic(), text)));
                }
                if (o["json_attributes_template"] is { } attributes)
                {
                    jobs.Add((attributes.GetValue<string>(), JinjaRenderer.ForPayload(o["json_attributes_topic"]!.GetValue<string>() == Topics.Status ? payload : modelPayload)));
                    checks.Add(($"{entity.ObjectId} attributes in '{name}'", text => CheckAttributes(entity, status, text)));
                }
            }
        }
        // The select's command template, for each option: exactly the payload the daemon lets through unsigned.
        HomeAssistantEntity select = entities.Single(e => e.Platform == "select");
        foreach (string option in select.Options["options"]!.AsArray().Select(n => n!.GetValue<string>()))
        {
            jobs.Add((select.Options["command_template"]!.GetValue<string>(), new JsonObject { ["value"] = option }));
            checks.Add(($"rollback command for {option}", text =>
            {
                Assert.Equal(HomeAssistantCommands.RollbackPayload(int.Parse(option, CultureInfo.InvariantCulture)), text);
                Assert.Equal(int.Parse(option, CultureInfo.InvariantCulture), JsonNode.Parse(text)!["args"]!["version"]!.GetValue<int>());
            }));
        }

        IReadOnlyList<(bool Ok, string Text)> results = JinjaRenderer.Render(jobs);
        List<string> failures = [];
        for (int i = 0; i < jobs.Count; i++)
        {
            if (!results[i].Ok) { failures.Add($"{checks[i].What}: {results[i].Text}"); continue; }
            try { checks[i].Check(results[i].Text); }
            catch (Exception e) { failures.Add($"{checks[i].What}: rendered '{results[i].Text}': {e.Message}"); }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(jobs.Count > 200, $"only {jobs.Count} renders");
    }

    static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    static void CheckValue(HomeAssistantEntity entity, JsonObject json, string text)
    {
        JsonNode? candidate = json["candidate"];
        switch (entity.ObjectId)
        {
            case "anomaly": Assert.Equal(json["anomaly"]!["active"]!.GetValue<bool>() ? "ON" : "OFF", text); break;
            case "drift": Assert.Equal(json["drift"]!["detected"]!.GetValue<bool>() ? "ON" : "OFF", text); break;
            case "attention": Assert.Equal(json["attention"] is JsonObject ? "ON" : "OFF", text); break;
            case "sensor_health": Assert.Equal(json["sensor"]!["healthy"]!.GetValue<bool>() ? "OFF" : "ON", text); break;
            case "anomaly_score": Assert.Equal(json["anomaly"]!["score"]!.GetValue<double>(), Number(text), 6); break;
            case "drift_statistic": Assert.Equal(json["drift"]!["statistic"]!.GetValue<double>(), Number(text), 6); break;
            case "state":
                Assert.Equal(json["state"]!.GetValue<string>(), text);
                Assert.Contains(text, entity.Options["options"]!.AsArray().Select(o => o!.GetValue<string>()));
                break;
            case "adaptation_progress":
                double? percent = json["training"] is JsonObject t ? Math.Round(t["progress"]!.GetValue<double>() * 1000) / 10
                    : json["collecting"] is JsonObject c ? Math.Round(1000.0 * c["collected"]!.GetValue<int>() / c["wanted"]!.GetValue<int>()) / 10
                    : null;
                if (percent is double p) Assert.Equal(p, Number(text), 6);
                else Assert.Equal("None", text); // unknown in Home Assistant
                break;
            case "temperature" or "humidity" or "pressure":
                string field = entity.ObjectId switch { "temperature" => "temperatureC", "humidity" => "humidityPercent", _ => "pressureHpa" };
                if (json["ambient"]?[field] is { } reading) Assert.Equal(reading.GetValue<double>(), Number(text), 6);
                else Assert.Equal("None", text); // unknown in Home Assistant
                break;
            case "model_version" or "rollback": Assert.Equal("2", text); break;
            case "model":
                JsonObject update = JsonNode.Parse(text)!.AsObject();
                string? installed = json["model"] is JsonObject m ? m["version"]!.GetValue<int>().ToString(CultureInfo.InvariantCulture) : null;
                Assert.Equal(installed, update["installed_version"]?.GetValue<string>());
                string? latest = candidate is JsonObject cand ? cand["version"]!.GetValue<int>().ToString(CultureInfo.InvariantCulture) : installed;
                Assert.Equal(latest, update["latest_version"]?.GetValue<string>());
                string? summary = update["release_summary"]?.GetValue<string>();
                if (candidate is null) Assert.Null(summary);
                else
                {
                    Assert.StartsWith("Candidate v3", summary);
                    if (candidate["metrics"]?["falseAlarmsBefore"] is not null) Assert.Equal("Candidate v3: false alarms 12.0 % → 0.8 %, fault recall 100 %", summary);
                }
                break;
            default: throw new Xunit.Sdk.XunitException($"no check for {entity.ObjectId}");
        }
    }

    static void CheckAttributes(HomeAssistantEntity entity, JsonObject status, string text)
    {
        JsonObject attributes = JsonNode.Parse(text)!.AsObject(); // Home Assistant ignores attributes that are not a JSON object
        switch (entity.ObjectId)
        {
            case "anomaly_score": Assert.Equal(status["anomaly"]!["threshold"]!.GetValue<double>(), attributes["threshold"]!.GetValue<double>(), 6); break;
            case "drift_statistic": Assert.True(JsonNode.DeepEquals(status["drift"]!["since"], attributes["since"])); break;
            case "sensor_health": Assert.True(JsonNode.DeepEquals(status["sensor"]!["error"], attributes["error"])); break;
            case "attention":
                Assert.True(JsonNode.DeepEquals(status["attention"]?["code"], attributes["code"]));
                Assert.True(JsonNode.DeepEquals(status["attention"]?["message"], attributes["message"]));
                break;
            case "adaptation_progress":
                string detail = attributes["detail"]!.GetValue<string>();
                if (status["training"] is JsonObject t) Assert.Equal($"training epoch {t["epoch"]}/{t["epochs"]}", detail);
                else if (status["collecting"] is JsonObject c) Assert.Equal($"collecting {c["collected"]}/{c["wanted"]} windows", detail);
                else Assert.Equal(status["state"]!.GetValue<string>(), detail);
                break;
            default: throw new Xunit.Sdk.XunitException($"no attribute check for {entity.ObjectId}");
        }
    }
}
