using System.Text;
using System.Text.Json.Nodes;
using MQTTnet.Formatter;
using Xunit.Abstractions;
using SensorOdl.Integration.Tests.Infrastructure;
using static SensorOdl.Integration.Tests.Infrastructure.JsonAssert;

namespace SensorOdl.Integration.Tests;

/// <summary>docs/CONTRACT.md §3 commands: round trips over the response topic and the reply topic, every verb, the error codes.</summary>
public sealed class CommandTests(ITestOutputHelper output) : DaemonTest
{
    [Fact]
    public async Task A_command_with_an_MQTT5_response_topic_is_answered_there_with_its_correlation_data()
    {
        string device = NewDevice("resp");
        (_, MqttProbe probe) = await StartMonitoringAsync(device, NewStateDir(device));
        int mark = probe.Mark;

        Received reply = await probe.RequestAsync(Topic(device, "cmd"), Command("c-status-1", "status"));
        JsonObject r = reply.Json;
        Assert.Equal("c-status-1", Str(r, "id"));
        Assert.Equal(device, Str(r, "device"));
        Assert.True(Bool(r, "ok"), reply.Text);
        JsonObject result = Obj(r, "result");
        Assert.Equal("monitoring", Str(result, "state"));
        Assert.Equal(device, Str(result, "device"));
        Assert.Equal(1, Int(Obj(result, "model"), "version"));
        // (RequestAsync only returns a reply whose correlation data matches the request's byte for byte.)

        // The fleet topic reaches every device; each answers with its own id and the same correlation data.
        string other = NewDevice("resp2");
        StartDaemon(other, NewStateDir(other));
        await WaitMonitoringAsync(await ProbeAsync($"{Prefix}/{other}/#"), other);
        byte[] correlation = Guid.NewGuid().ToByteArray();
        int fleetMark = probe.Mark;
        await probe.PublishAsync($"{Prefix}/all/cmd", Encoding.UTF8.GetBytes(Command("c-fleet-1", "status")), responseTopic: probe.ResponseTopic, correlation: correlation);
        IReadOnlyList<Received> fleet = await probe.WaitForCountAsync(m => m.Topic == probe.ResponseTopic && m.CorrelationData is { } c && c.AsSpan().SequenceEqual(correlation),
            2, TimeSpan.FromSeconds(10), "a reply from each of the two devices to the fleet command", fleetMark);
        Assert.Equal(new[] { device, other }.Order(), fleet.Select(m => Str(m.Json, "device")).Order());
        Assert.All(fleet, m => Assert.True(Bool(m.Json, "ok"), m.Text));
        Assert.All(fleet, m => Assert.Equal("c-fleet-1", Str(m.Json, "id")));

        // With a response topic the reply does not also go to {p}/{id}/reply. Replies leave through one ordered queue,
        // so once the reply to a later command without response topic is there, a stray copy of an earlier one would be too.
        await probe.PublishAsync(Topic(device, "cmd"), Command("c-anchor", "status"));
        await probe.WaitForAsync(m => m.Topic == Topic(device, "reply") && m.Json["id"]?.GetValue<string>() == "c-anchor", TimeSpan.FromSeconds(10),
            "the reply to a later command without response topic on the reply topic", mark);
        List<string?> onReplyTopic = [.. probe.On(Topic(device, "reply"), mark).Select(m => m.Json["id"]?.GetValue<string>())];
        Check(onReplyTopic.SequenceEqual(["c-anchor"]), $"commands with a response topic were also answered on {Topic(device, "reply")}: ids {string.Join(", ", onReplyTopic)}");
    }

    [Fact]
    public async Task A_command_without_response_topic_is_answered_on_the_reply_topic_for_MQTT311_and_MQTT5_clients()
    {
        string device = NewDevice("reply");
        (_, MqttProbe watcher) = await StartMonitoringAsync(device, NewStateDir(device));
        string replyTopic = Topic(device, "reply");
        int watched = watcher.Mark;

        MqttProbe v311 = await ProbeAsync(MqttProtocolVersion.V311, replyTopic);
        await v311.PublishAsync(Topic(device, "cmd"), Command("c-311", "status"));
        Received reply = await v311.WaitForAsync(m => m.Topic == replyTopic && m.Json["id"]?.GetValue<string>() == "c-311", TimeSpan.FromSeconds(10), "reply to the 3.1.1 client");
        Assert.True(Bool(reply.Json, "ok"), reply.Text);
        Assert.Equal(device, Str(reply.Json, "device"));
        Assert.Equal("monitoring", Str(Obj(reply.Json, "result"), "state"));

        // MQTT 5 without a response topic.
        MqttProbe v5 = await ProbeAsync(replyTopic);
        await v5.PublishAsync(Topic(device, "cmd"), Command("c-5-plain", "pause"));
        Received paused = await v5.WaitForAsync(m => m.Topic == replyTopic && m.Json["id"]?.GetValue<string>() == "c-5-plain", TimeSpan.FromSeconds(10), "reply to the plain MQTT 5 publish");
        Assert.True(Bool(paused.Json, "ok"), paused.Text);
        Assert.Equal("paused", Str(Obj(paused.Json, "result"), "state"));
        Assert.Null(paused.CorrelationData); // nothing to echo: the command carried none

        // A third party watching the device's tree saw both replies on the reply topic, each once and in order
        // (the watcher is not the sender: the reply topic is public, not addressed to a client), and the pause
        // took effect in the retained status.
        await watcher.WaitForAsync(m => m.Topic == replyTopic && m.Json["id"]?.GetValue<string>() == "c-5-plain", TimeSpan.FromSeconds(10), "the watcher sees the reply to c-5-plain", watched);
        List<string?> replies = [.. watcher.On(replyTopic, watched).Select(m => m.Json["id"]?.GetValue<string>())];
        Check(replies.SequenceEqual(["c-311", "c-5-plain"]), $"the watcher saw replies {string.Join(", ", replies)} on {replyTopic} (c-311 then c-5-plain, once each, expected)");
        await watcher.WaitForAsync(m => m.Topic == Topic(device, "status") && m.Json["state"]?.GetValue<string>() == "paused", TimeSpan.FromSeconds(10), "status 'paused' after the plain MQTT 5 pause", watched);
    }

    [Fact]
    public async Task Pause_resume_and_set_change_what_the_daemon_does()
    {
        string device = NewDevice("verbs");
        (_, MqttProbe probe) = await StartMonitoringAsync(device, NewStateDir(device), "Mqtt:TelemetryIntervalSeconds=1");
        string cmd = Topic(device, "cmd"), telemetry = Topic(device, "telemetry"), status = Topic(device, "status");
        await probe.WaitForAsync(m => m.Topic == telemetry, TimeSpan.FromSeconds(5), "telemetry");

        // pause: status becomes paused (published on the change), scoring and so telemetry stop.
        int mark = probe.Mark;
        JsonObject pause = (await probe.RequestAsync(cmd, Command("c-pause", "pause"))).Json;
        Assert.True(Bool(pause, "ok"), pause.ToJsonString());
        Assert.Equal("paused", Str(Obj(pause, "result"), "state"));
        Received pausedStatus = await probe.WaitForAsync(m => m.Topic == status && m.Json["state"]?.GetValue<string>() == "paused", TimeSpan.FromSeconds(10), "status 'paused'", mark);
        long pausedAt = (long)Num(pausedStatus.Json, "ts"); // the daemon's clock, after the pause took effect
        // The observation window: stay paused a while; its end is anchored by a reply saying the daemon is still paused.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        JsonObject stillPaused = (await probe.RequestAsync(cmd, Command("c-paused-status", "status"))).Json;
        Assert.Equal("paused", Str(Obj(stillPaused, "result"), "state"));
        MqttProbe late = await ProbeAsync(status);
        Received retained = await late.WaitForAsync(m => m.Topic == status, TimeSpan.FromSeconds(10), "retained status");
        Assert.True(retained.Retain, retained.ToString());
        Assert.Equal("paused", Str(retained.Json, "state"));

        // resume: monitoring again, telemetry again.
        mark = probe.Mark;
        long resumeSent = NowMs;
        JsonObject resume = (await probe.RequestAsync(cmd, Command("c-resume", "resume"))).Json;
        Assert.True(Bool(resume, "ok"), resume.ToJsonString());
        Assert.Equal("monitoring", Str(Obj(resume, "result"), "state"));
        await probe.WaitForAsync(m => m.Topic == status && m.Json["state"]?.GetValue<string>() == "monitoring", TimeSpan.FromSeconds(10), "status 'monitoring' after resume", mark);
        await probe.WaitForAsync(m => m.Topic == telemetry && Num(m.Json, "ts") > resumeSent, TimeSpan.FromSeconds(10), "telemetry scored after resume", mark);
        // Judged on the daemon's clock: no window was scored between the pause and the resume. (Telemetry goes out in
        // ts order on one connection, so all of it from before the resume has arrived by now. The window scored just
        // before the pause may still be sent within one interval: its ts is before the pause; 500 ms of slack for a
        // window that was already being scored when the pause came.)
        List<long> scoredWhilePaused = [.. TelemetryTs(probe, device).Where(ts => ts > pausedAt + 500 && ts < resumeSent)];
        Check(resumeSent - pausedAt >= 2500, $"the pause lasted only {resumeSent - pausedAt} ms");
        Check(scoredWhilePaused.Count == 0, $"telemetry kept flowing while paused ({pausedAt} to {resumeSent}): ts {string.Join(",", scoredWhilePaused)}");

        // set Mqtt:TelemetryIntervalSeconds: the rate follows, judged on the daemon's `ts` values. Only gaps between
        // messages that arrived after the reply count: each of those was decided under the new setting (the first
        // one's gap to its predecessor may not have been).
        mark = probe.Mark;
        JsonObject set = (await probe.RequestAsync(cmd, Command("c-set", "set", new JsonObject { ["key"] = "Mqtt:TelemetryIntervalSeconds", ["value"] = 0.25 }))).Json;
        Assert.True(Bool(set, "ok"), set.ToJsonString());
        Assert.Equal("Mqtt:TelemetryIntervalSeconds", Str(Obj(set, "result"), "key"));
        await probe.WaitForCountAsync(m => m.Topic == telemetry, 6, TimeSpan.FromSeconds(20), "6 telemetry messages at TelemetryIntervalSeconds=0.25", AfterReply(probe, "c-set", mark));
        CheckTelemetryIntervals(TelemetryTs(probe, device, AfterReply(probe, "c-set", mark)), 0.25, "TelemetryIntervalSeconds=0.25");

        mark = probe.Mark;
        JsonObject slow = (await probe.RequestAsync(cmd, Command("c-set-2", "set", new JsonObject { ["key"] = "Mqtt:TelemetryIntervalSeconds", ["value"] = "2" }))).Json;
        Assert.True(Bool(slow, "ok"), slow.ToJsonString());
        await probe.WaitForCountAsync(m => m.Topic == telemetry, 2, TimeSpan.FromSeconds(20), "2 telemetry messages at TelemetryIntervalSeconds=2", AfterReply(probe, "c-set-2", mark));
        CheckTelemetryIntervals(TelemetryTs(probe, device, AfterReply(probe, "c-set-2", mark)), 2, "TelemetryIntervalSeconds=2");

        // The other settable keys, and refusals.
        Assert.True(Bool((await probe.RequestAsync(cmd, Command("c-set-3", "set", new JsonObject { ["key"] = "Adaptation:Mode", ["value"] = "off" }))).Json, "ok"));
        Assert.True(Bool((await probe.RequestAsync(cmd, Command("c-set-4", "set", new JsonObject { ["key"] = "Anomaly:FalseAlarmBudget", ["value"] = 0.02 }))).Json, "ok"));
        await ExpectError(probe, device, Command("c-set-5", "set", new JsonObject { ["key"] = "Mqtt:Uri", ["value"] = "mqtt://x:1" }), "bad_args");
        await ExpectError(probe, device, Command("c-set-6", "set", new JsonObject { ["key"] = "Adaptation:Mode", ["value"] = "sometimes" }), "bad_args");
        await ExpectError(probe, device, Command("c-set-7", "set", new JsonObject { ["key"] = "Mqtt:TelemetryIntervalSeconds", ["value"] = -1 }), "bad_args");
    }

    [Fact]
    public async Task Every_refusal_has_its_error_code_and_a_command_rejected_event()
    {
        string device = NewDevice("errors");
        (_, MqttProbe probe) = await StartMonitoringAsync(device, NewStateDir(device), "Adaptation:Mode=off");

        await ExpectError(probe, device, Command("e-unknown", "reboot"), "unknown_command");
        await ExpectError(probe, device, "{\"id\":\"e-nocmd\"}", "bad_args");
        await ExpectError(probe, device, "{\"id\":42,\"command\":\"status\"}", "bad_args");
        await ExpectError(probe, device, "{\"id\":\"e-args\",\"command\":\"status\",\"args\":[1]}", "bad_args");
        await ExpectError(probe, device, Command("e-rb-unknown", "rollback", new JsonObject { ["version"] = 99 }), "not_found");
        await ExpectError(probe, device, Command("e-rb-noversion", "rollback"), "bad_args");
        await ExpectError(probe, device, Command("e-rt-epochs", "retrain", new JsonObject { ["epochs"] = 0 }), "bad_args");
        await ExpectError(probe, device, Command("e-rt-method", "retrain", new JsonObject { ["method"] = "magic" }), "bad_args");
        await ExpectError(probe, device, Command("e-rt-extra", "retrain", new JsonObject { ["bogus"] = 1 }), "bad_args");
        await ExpectError(probe, device, Command("e-label", "label", new JsonObject { ["from"] = 10, ["to"] = 5, ["label"] = "fault" }), "bad_args");
        await ExpectError(probe, device, Command("e-label-2", "label", new JsonObject { ["from"] = 1, ["to"] = 5, ["label"] = "broken" }), "bad_args");

        // rollback to the version that exists works (and says so in an event).
        int mark = probe.Mark;
        JsonObject rollback = (await probe.RequestAsync(Topic(device, "cmd"), Command("e-rb-1", "rollback", new JsonObject { ["version"] = 1 }))).Json;
        Assert.True(Bool(rollback, "ok"), rollback.ToJsonString());
        Assert.Equal(1, Int(Obj(rollback, "result"), "version"));
        await WaitEventAsync(probe, device, e => Str(e, "type") == "model_rolled_back", "model_rolled_back event", mark);

        // label: the windows of the span are pinned. One window per second enters the sample store, stamped with the
        // simulated machine's clock: wall time less the daemon's start-up (the sensor is made before the base is
        // trained and starts counting at its first read), so the newest windows lag the telemetry ts by that much —
        // seconds on a busy machine. The span ends at a window the daemon has scored (a telemetry ts) at least 6.5 s
        // after it began monitoring and reaches 10 s back, so it holds ≥ 3 stored windows while that lag stays under ~7 s.
        long to = await WaitScoredForAsync(probe, device, 6.5), from = to - 10_000;
        JsonObject label = (await probe.RequestAsync(Topic(device, "cmd"), Command("e-label-ok", "label", new JsonObject { ["from"] = from, ["to"] = to, ["label"] = "fault" }))).Json;
        Assert.True(Bool(label, "ok"), label.ToJsonString());
        JsonObject labelled = Obj(label, "result");
        Assert.Equal("fault", Str(labelled, "label"));
        Check(Int(labelled, "labelled") >= 3, $"label over the last 10 s pinned {Int(labelled, "labelled")} windows (≥ 3 expected): {label.ToJsonString()}");
        // A span from before the daemon existed pins nothing.
        long since = MonitoringSince(probe, device);
        JsonObject none = (await probe.RequestAsync(Topic(device, "cmd"), Command("e-label-none", "label", new JsonObject { ["from"] = since - 120_000, ["to"] = since - 60_000, ["label"] = "fault" }))).Json;
        Assert.True(Bool(none, "ok"), none.ToJsonString());
        Check(Int(Obj(none, "result"), "labelled") == 0, $"a span a minute before the daemon started pinned windows: {none.ToJsonString()}");

        // busy: a retrain asking for more windows than are stored collects first; a second one is refused.
        JsonObject retrain = (await probe.RequestAsync(Topic(device, "cmd"), Command("e-rt-1", "retrain", new JsonObject { ["samples"] = 2000 }))).Json;
        Assert.True(Bool(retrain, "ok"), retrain.ToJsonString());
        Assert.False(string.IsNullOrEmpty(Str(Obj(retrain, "result"), "job")));
        await ExpectError(probe, device, Command("e-rt-2", "retrain"), "busy");
    }

    [Fact]
    public async Task A_retrain_trains_and_promotes_or_rejects_with_its_job_id_and_a_second_one_within_MinIntervalMinutes_is_rate_limited()
    {
        string device = NewDevice("ratelimit");
        // Every window enters the sample store, so 16 are there within two seconds; one quick epoch.
        (_, MqttProbe probe) = await StartMonitoringAsync(device, NewStateDir(device),
            "Storage:SampleIntervalSeconds=0", "Adaptation:MinIntervalMinutes=10", "Adaptation:Mode=off");
        // 2 s of scoring on the daemon's clock: ~23 windows stored, so the job trains at once. (Should a starved
        // daemon have stored fewer, it collects the rest first; the test holds either way.)
        await WaitScoredForAsync(probe, device, 2);
        int mark = probe.Mark;
        JsonObject retrain = (await probe.RequestAsync(Topic(device, "cmd"), Command("r-1", "retrain", new JsonObject { ["samples"] = 16, ["epochs"] = 1 }))).Json;
        Assert.True(Bool(retrain, "ok"), retrain.ToJsonString());
        string job = Str(Obj(retrain, "result"), "job");
        await WaitEventAsync(probe, device, e => Str(e, "type") == "training_started" && e["job"]?.GetValue<string>() == job, $"training_started for {job}", mark, 20);
        Received end = await WaitEventAsync(probe, device, e => Str(e, "type") is "training_finished" or "training_failed" && e["job"]?.GetValue<string>() == job,
            $"training_finished/failed for {job}", mark, 120);
        Check(Str(end.Json, "type") == "training_finished", $"the retrain failed: {end.Text}");
        // The verdict carries the job too; a promoted version is the next registry integer, child of version 1.
        Received verdict = await WaitEventAsync(probe, device, e => Str(e, "type") is "model_promoted" or "model_rejected" && e["job"]?.GetValue<string>() == job,
            $"model_promoted/rejected for {job}", mark, 30);
        output.WriteLine($"verdict: {verdict.Text}");
        await probe.WaitForAsync(m => m.Topic == Topic(device, "status") && m.Json["state"]?.GetValue<string>() is "monitoring" or "drift", TimeSpan.FromSeconds(60), "status back to monitoring", probe.All().ToList().IndexOf(end));
        await ExpectError(probe, device, Command("r-2", "retrain", new JsonObject { ["samples"] = 16, ["epochs"] = 1 }), "rate_limited");

        if (Str(verdict.Json, "type") == "model_promoted")
        {
            Assert.Equal(2, Int(verdict.Json, "version"));
            Assert.Equal(1, Int(verdict.Json, "parentVersion"));
            JsonObject model = (await probe.WaitForAsync(m => m.Topic == Topic(device, "model") && m.Json["version"]?.GetValue<int>() == 2, TimeSpan.FromSeconds(15), "model version 2 retained", mark)).Json;
            Assert.Equal(1, Int(model, "parentVersion"));
            Assert.Equal(Str(verdict.Json, "id"), Str(model, "id"));
            Assert.InRange(Int(model, "trainSamples"), 1, 16); // the windows fitted on (some may be held back for calibration)
            AssertUnixMs(Num(model, "createdAt"), "model.createdAt");

            // Roll back to 1: the retained model and the status follow.
            int before = probe.Mark;
            JsonObject rollback = (await probe.RequestAsync(Topic(device, "cmd"), Command("r-rb", "rollback", new JsonObject { ["version"] = 1 }))).Json;
            Assert.True(Bool(rollback, "ok"), rollback.ToJsonString());
            Assert.Equal(2, Int(Obj(rollback, "result"), "fromVersion"));
            await WaitEventAsync(probe, device, e => Str(e, "type") == "model_rolled_back" && e["version"]?.GetValue<int>() == 1, "model_rolled_back to 1", before);
            await probe.WaitForAsync(m => m.Topic == Topic(device, "model") && m.Json["version"]?.GetValue<int>() == 1, TimeSpan.FromSeconds(15), "model version 1 retained again", before);
            await probe.WaitForAsync(m => m.Topic == Topic(device, "status") && m.Json["model"]?["version"]?.GetValue<int>() == 1, TimeSpan.FromSeconds(15), "status with model version 1", before);
        }
    }

    [Fact]
    public async Task While_training_the_status_carries_progress_at_least_once_a_second()
    {
        string device = NewDevice("training");
        (_, MqttProbe probe) = await StartMonitoringAsync(device, NewStateDir(device),
            // Rank 32 adapters on every layer, no forward cache (lora-all) and one window per step, so that the training
            // lasts several seconds even on a fast machine (7 s here; skip2-lora at rank 32 and the default batch fitted it
            // in 1.3 s on one CI machine: too short for a status a second to show anything).
            "Sensor:Speed=20", "Storage:SampleIntervalSeconds=0", "Adaptation:Mode=off", "Storage:SampleCapacity=2000", "Adaptation:Rank=32", "Adaptation:BatchSize=1");
        // No wait for the store to fill: with fewer than 600 windows stored, the job collects them first
        // (docs/CONTRACT.md §3 retrain) — the daemon waits for that condition itself — and then trains.
        int mark = probe.Mark;
        JsonObject retrain = (await probe.RequestAsync(Topic(device, "cmd"), Command("t-1", "retrain", new JsonObject { ["method"] = "lora-all", ["samples"] = 600, ["epochs"] = 1000 }))).Json;
        Assert.True(Bool(retrain, "ok"), retrain.ToJsonString());
        string job = Str(Obj(retrain, "result"), "job");
        Received end = await WaitEventAsync(probe, device, e => Str(e, "type") is "training_finished" or "training_failed" && e["job"]?.GetValue<string>() == job, $"end of {job}", mark, 120);
        Received started = probe.On(Topic(device, "events"), mark).First(m => Str(m.Json, "type") == "training_started");
        double seconds = Num(end.Json, "seconds");
        output.WriteLine($"training took {seconds} s: {end.Text}");
        List<Received> training = [.. probe.On(Topic(device, "status"), mark).Where(m => Str(m.Json, "state") == "training")];
        Check(seconds >= 1.5, $"the training took {seconds} s: too short to judge a status a second (make it longer: more samples, epochs or rank)");
        // At least once a second on the daemon's clock (status and event ts, not arrival at the probe), from
        // training_started to training_finished.
        Check(training.Count >= Math.Max(1, (int)seconds - 1), $"{training.Count} 'training' status messages during {seconds:F1} s of training (≥ 1 per second expected)");
        long startedTs = (long)Num(started.Json, "ts"), endTs = (long)Num(end.Json, "ts");
        List<long> ts = [.. training.Select(m => (long)Num(m.Json, "ts")).Where(t => t > startedTs && t < endTs).Append(startedTs).Append(endTs).Order()];
        for (int i = 1; i < ts.Count; i++)
            // 1 s of slack: on a loaded 2-core machine one tick of the status loop was seen 840 ms late (a 1,840 ms gap).
            Check(ts[i] - ts[i - 1] < 2000, $"{ts[i] - ts[i - 1]} ms without a 'training' status between training_started ({startedTs}) and {Str(end.Json, "type")} ({endTs}) (≤ 1 s + 1 s slack expected); ts: {string.Join(",", ts)}");
        List<JsonObject> progress = [.. training.Select(m => m.Json["training"]).OfType<JsonObject>()];
        Check(progress.Count > 0, $"no 'training' status carried the training block: {string.Join("\n", training)}");
        foreach (JsonObject t in progress)
        {
            Assert.InRange(Num(t, "progress"), 0, 1);
            Assert.InRange(Int(t, "epoch"), 0, 1000);
            Assert.Equal(1000, Int(t, "epochs"));
            Assert.True(t.ContainsKey("etaSeconds"));
        }
        Assert.Equal(job, Str(started.Json, "job"));
    }

    /// <summary>The probe's mark just after the reply to the command <paramref name="id"/> (on its response topic), found from <paramref name="from"/>.</summary>
    static int AfterReply(MqttProbe probe, string id, int from)
    {
        IReadOnlyList<Received> all = probe.All(from);
        for (int i = 0; i < all.Count; i++)
            if (all[i].Topic == probe.ResponseTopic && all[i].Json["id"]?.GetValue<string>() == id) return from + i + 1;
        throw new InvalidOperationException($"no reply to {id} after message {from}");
    }

    /// <summary>Sends a command with a response topic; expects ok=false with the code, and a command_rejected event saying the same.</summary>
    internal static async Task<JsonObject> ExpectError(MqttProbe probe, string device, string payload, string code)
    {
        int mark = probe.Mark;
        Received reply = await probe.RequestAsync(Topic(device, "cmd"), Encoding.UTF8.GetBytes(payload));
        JsonObject r = reply.Json;
        Assert.False(Bool(r, "ok"), $"expected {code} for {payload}, got {reply.Text}");
        Assert.Equal(device, Str(r, "device"));
        JsonObject error = Obj(r, "error");
        Assert.True(code == Str(error, "code"), $"expected {code} for {payload}, got {reply.Text}");
        Assert.False(string.IsNullOrEmpty(Str(error, "message")));
        string? id = r["id"]?.GetValue<string>();
        await WaitEventAsync(probe, device, e => Str(e, "type") == "command_rejected" && e["code"]?.GetValue<string>() == code && (id is null || e["id"]?.GetValue<string>() == id),
            $"command_rejected {code} for {payload}", mark);
        return r;
    }
}
