using System.Text.Json.Nodes;

namespace SensorOdl.Daemon.Fleet;

/// <summary>How one device's part of a fleet command ended: `promoted`, `pending`, `rejected`, `failed`, `refused`, `timeout`, `rolled_back`, `discarded` or `labelled`.</summary>
public sealed record DeviceOutcome(string Device, bool Succeeded, string Kind, string Text, JsonObject Details)
{
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["device"] = Device, ["outcome"] = Kind, ["succeeded"] = Succeeded, ["message"] = Text };
        foreach ((string key, JsonNode? value) in Details) json[key] = value?.DeepClone();
        return json;
    }
}

/// <summary>
/// Follows one device through a command: its reply, then (for a retrain) its status and the job's events, to a
/// progress phrase while it runs and an outcome at the end. Fed in arrival order; knows nothing of MQTT.
/// </summary>
public abstract class DeviceFollower(string device)
{
    public string Device { get; } = device;
    public string Progress { get; protected set; } = "sent";
    public DeviceOutcome? Outcome { get; protected set; }
    public bool Replied { get; private set; }

    public void OnReply(JsonObject reply)
    {
        if (Replied || Outcome is not null) return;
        Replied = true;
        if (FleetReply.Ok(reply)) Accepted(reply["result"] as JsonObject ?? []);
        else Finish(false, "refused", $"refused: {FleetReply.Error(reply)}", new JsonObject { ["error"] = reply["error"]?.DeepClone() });
    }

    protected abstract void Accepted(JsonObject result);
    public virtual void OnStatus(JsonObject status) { }
    public virtual void OnEvent(JsonObject e) { }

    public void TimeOut(TimeSpan after, string waitingFor) =>
        Finish(false, "timeout", $"timeout after {after.TotalSeconds:0} s {waitingFor} (last: {Progress})", []);

    protected void Finish(bool succeeded, string kind, string text, JsonObject details)
    {
        Outcome ??= new DeviceOutcome(Device, succeeded, kind, text, details);
    }

    /// <summary>A share as the operator reads it: `12 %`, `0.8 %`.</summary>
    internal static string Percent(double? share) => share is double s ? Pipeline.SharePercent.Of(s) : "?";
}

/// <summary>`retrain`: reply `{job}`, then collecting n/m windows → training epoch k/n → validating → promoted, rejected or failed (events carry the job).</summary>
public sealed class RetrainFollower(string device) : DeviceFollower(device)
{
    readonly List<JsonObject> _early = []; // events that came before the reply named the job
    public string? Job { get; private set; }

    protected override void Accepted(JsonObject result)
    {
        Job = DeviceView.Str(result, "job");
        Progress = $"accepted as {Job}";
        foreach (JsonObject e in _early) OnEvent(e);
        _early.Clear();
    }

    public override void OnStatus(JsonObject status)
    {
        if (Job is null || Outcome is not null) return;
        if (DeviceView.Progress(status) is { } progress) Advance(progress);
    }

    /// <summary>
    /// Status is published directly and events through the device's queue, so a status from before an event can arrive
    /// after it: the phase (collecting → training → validating) only moves forward.
    /// </summary>
    void Advance(string progress)
    {
        if (Rank(progress) >= Rank(Progress)) Progress = progress;
    }

    static int Rank(string progress) => progress.Split(' ')[0] switch
    {
        "collecting" => 1,
        "training" => 2,
        "validating" => 3,
        _ => 0,
    };

    public override void OnEvent(JsonObject e)
    {
        if (Outcome is not null) return;
        if (Job is null)
        {
            if (!Replied) _early.Add(e);
            return;
        }
        if (DeviceView.Str(e, "job") != Job) return;
        JsonObject? metrics = e["metrics"] as JsonObject;
        switch (DeviceView.Str(e, "type"))
        {
            case "training_started":
                Advance($"training epoch 0/{DeviceView.Int(e, "epochs")}");
                break;
            case "training_finished":
                Advance("validating");
                break;
            case "training_failed":
                Finish(false, "failed", $"failed: {DeviceView.Str(e, "error")}", Details(e));
                break;
            case "model_promoted":
                Finish(true, "promoted",
                    $"promoted v{DeviceView.Int(e, "version")} (false alarms {Percent(DeviceView.Num(metrics, "falseAlarmsBefore"))} → {Percent(DeviceView.Num(metrics, "falseAlarmsAfter"))})",
                    Details(e));
                break;
            case "model_pending": // confirm mode: validated and waiting for `promote` — the retrain did what it was asked
                Finish(true, "pending",
                    $"pending v{DeviceView.Int(e, "version")} (false alarms {Percent(DeviceView.Num(metrics, "falseAlarmsBefore"))} → {Percent(DeviceView.Num(metrics, "falseAlarmsAfter"))}; promote or discard it)",
                    Details(e));
                break;
            case "model_rejected":
                Finish(false, "rejected", $"rejected: {DeviceView.Str(e, "reason")}", Details(e));
                break;
        }
    }

    JsonObject Details(JsonObject e)
    {
        var details = new JsonObject { ["job"] = Job };
        foreach (string key in new[] { "version", "reason", "error", "metrics" })
            if (e[key] is { } value) details[key] = value.DeepClone();
        return details;
    }
}

/// <summary>`rollback` and `label`: done when the reply says so.</summary>
public sealed class ReplyFollower(string device, Func<JsonObject, (string Kind, string Text)> describe) : DeviceFollower(device)
{
    protected override void Accepted(JsonObject result)
    {
        (string kind, string text) = describe(result);
        Finish(true, kind, text, new JsonObject { ["result"] = result.DeepClone() });
    }

    public static ReplyFollower Rollback(string device) =>
        new(device, r => ("rolled_back", $"rolled back v{DeviceView.Int(r, "fromVersion")} → v{DeviceView.Int(r, "version")}"));

    public static ReplyFollower Promote(string device) =>
        new(device, r => ("promoted", $"promoted v{DeviceView.Int(r, "version")} (was v{DeviceView.Int(r, "fromVersion")})"));

    public static ReplyFollower Discard(string device) =>
        new(device, r => ("discarded", $"discarded v{DeviceView.Int(r, "version")}"));

    public static ReplyFollower Label(string device) =>
        new(device, r => ("labelled", $"labelled {DeviceView.Int(r, "labelled")} windows {DeviceView.Str(r, "label")}"));
}
