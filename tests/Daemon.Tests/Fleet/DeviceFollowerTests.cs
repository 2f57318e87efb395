using System.Text.Json.Nodes;
using SensorOdl.Daemon.Fleet;

namespace SensorOdl.Daemon.Tests.Fleet;

/// <summary>How `fleet retrain` reads one device's reply, status and events into progress and an outcome.</summary>
public sealed class DeviceFollowerTests
{
    static JsonObject J(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public void Events_before_the_reply_count_once_the_job_is_known_and_the_phase_never_goes_back()
    {
        var f = new RetrainFollower("pump7");
        f.OnEvent(J("""{"type":"training_started","job":"job-1","epochs":30}""")); // queued before the reply
        f.OnReply(J("""{"id":"x","device":"pump7","ok":true,"result":{"job":"job-1"}}"""));
        Assert.Equal("training epoch 0/30", f.Progress);
        f.OnStatus(J("""{"state":"training","training":{"epoch":7,"epochs":30}}"""));
        Assert.Equal("training epoch 7/30", f.Progress);
        f.OnEvent(J("""{"type":"training_finished","job":"job-1"}"""));
        f.OnStatus(J("""{"state":"training","training":{"epoch":30,"epochs":30}}""")); // published before the event, arrived after
        Assert.Equal("validating", f.Progress);
        f.OnEvent(J("""{"type":"model_promoted","job":"job-other","version":9}"""));
        Assert.Null(f.Outcome);
        f.OnEvent(J("""{"type":"model_promoted","job":"job-1","version":7,"metrics":{"falseAlarmsBefore":0.12,"falseAlarmsAfter":0.008}}"""));
        Assert.True(f.Outcome!.Succeeded);
        Assert.Equal("promoted v7 (false alarms 12 % → 0.8 %)", f.Outcome.Text);
    }

    [Fact]
    public void Collecting_shows_the_count_and_a_rejection_or_refusal_is_a_failure()
    {
        var f = new RetrainFollower("a");
        f.OnReply(J("""{"ok":true,"result":{"job":"job-2"}}"""));
        f.OnStatus(J("""{"state":"collecting","collecting":{"collected":40,"wanted":120}}"""));
        Assert.Equal("collecting 40/120 windows", f.Progress);
        f.OnEvent(J("""{"type":"model_rejected","job":"job-2","reason":"false alarms did not fall"}"""));
        Assert.Equal(("rejected", false, "rejected: false alarms did not fall"), (f.Outcome!.Kind, f.Outcome.Succeeded, f.Outcome.Text));

        var busy = new RetrainFollower("b");
        busy.OnReply(J("""{"ok":false,"error":{"code":"busy","message":"a retrain is already running"}}"""));
        Assert.Equal("refused: busy: a retrain is already running", busy.Outcome!.Text);
    }

    [Fact]
    public void Rollback_and_label_end_with_their_reply()
    {
        var rollback = ReplyFollower.Rollback("a");
        rollback.OnReply(J("""{"ok":true,"result":{"version":1,"fromVersion":2}}"""));
        Assert.Equal("rolled back v2 → v1", rollback.Outcome!.Text);
        var label = ReplyFollower.Label("a");
        label.OnReply(J("""{"ok":true,"result":{"labelled":42,"label":"fault","from":0,"to":1}}"""));
        Assert.Equal("labelled 42 windows fault", label.Outcome!.Text);
        var timeout = ReplyFollower.Label("b");
        timeout.TimeOut(TimeSpan.FromSeconds(30), "without a reply");
        Assert.Equal("timeout after 30 s without a reply (last: sent)", timeout.Outcome!.Text);
    }

    [Fact]
    public void In_confirm_mode_a_retrain_ends_with_a_pending_candidate_which_is_a_success()
    {
        var f = new RetrainFollower("a");
        f.OnReply(J("""{"ok":true,"result":{"job":"job-3"}}"""));
        f.OnEvent(J("""{"type":"model_pending","job":"job-3","version":5,"parentVersion":4,"metrics":{"falseAlarmsBefore":0.12,"falseAlarmsAfter":0.008}}"""));
        Assert.Equal(("pending", true), (f.Outcome!.Kind, f.Outcome.Succeeded));
        Assert.Equal("pending v5 (false alarms 12 % → 0.8 %; promote or discard it)", f.Outcome.Text);
        Assert.Equal(5, (int)f.Outcome.ToJson()["version"]!);
    }

    [Fact]
    public void Promote_and_discard_end_with_their_reply()
    {
        var promote = ReplyFollower.Promote("a");
        promote.OnReply(J("""{"ok":true,"result":{"version":5,"fromVersion":4,"job":"job-3"}}"""));
        Assert.Equal(("promoted", "promoted v5 (was v4)"), (promote.Outcome!.Kind, promote.Outcome.Text));
        var discard = ReplyFollower.Discard("a");
        discard.OnReply(J("""{"ok":true,"result":{"version":5,"job":"job-3"}}"""));
        Assert.Equal("discarded v5", discard.Outcome!.Text);
        var none = ReplyFollower.Promote("b");
        none.OnReply(J("""{"ok":false,"error":{"code":"no_candidate","message":"no candidate is pending"}}"""));
        Assert.Equal(("refused: no_candidate: no candidate is pending", false), (none.Outcome!.Text, none.Outcome.Succeeded));
    }
}
