using System.Text.Json.Nodes;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// Status `attention` (<see cref="AttentionMonitor"/>): a version that alarms far over its budget, drift left standing by a
/// refused candidate, and a promotion through a probe check that only reports are said, not kept silent.
/// </summary>
public sealed class AttentionMonitorTests
{
    readonly EventRecorder _events = new();
    readonly DaemonStatus _status = new("t", "simulated");
    readonly AttentionMonitor _attention;

    public AttentionMonitorTests()
    {
        _status.Started();
        _attention = new AttentionMonitor(_status, _events, TimeProvider.System, falseAlarmBudget: 0.01, spanMinutes: 10, driftLevel: 0.5);
    }

    const int Span = 600; // windows, one a second: 10 minutes
    double _dataS;

    /// <summary><paramref name="windows"/> windows of one version, one a second of data time, every <paramref name="every"/>-th flagged (0: none).</summary>
    void Windows(int version, int windows, int every, bool drift = false)
    {
        for (int i = 1; i <= windows; i++) _attention.OnWindowScored(_dataS++, version, every > 0 && i % every == 0, drift);
    }

    string? Code => _status.ToJson(0)["attention"]?["code"]?.GetValue<string>();

    [Fact]
    public void A_version_flagging_ten_times_its_budget_is_reported_once_its_span_of_data_time_is_full_and_cleared_when_it_calms_down()
    {
        Windows(1, Span, every: 10);
        Assert.Null(_attention.Current); // 600 windows over 599 s: not yet a full span of 10 minutes
        Windows(1, 1, every: 0);
        AttentionNotice notice = _attention.Current!;
        Assert.Equal(AttentionNotice.OverBudget, notice.Code);
        Assert.StartsWith("version 1 flags 10 % of the last 601 windows (10 min); its false-alarm budget is 1 %", notice.Message);
        Assert.Equal(AttentionNotice.OverBudget, Code);
        JsonObject raised = _events.Events.Single(e => e.Type == "attention").Fields!;
        Assert.Equal(notice.Message, raised["message"]!.GetValue<string>());

        Windows(1, Span, every: 0); // quiet: the share falls below half the raising share
        Assert.Null(_attention.Current);
        Assert.Null(_status.ToJson(0)["attention"]);
        Assert.Equal(AttentionNotice.OverBudget, _events.Events.Single(e => e.Type == "attention_cleared").Fields!["code"]!.GetValue<string>());
    }

    [Fact]
    public void A_version_within_a_few_times_its_budget_raises_nothing()
    {
        Windows(1, 3 * Span, every: 40); // 2.5 %: over budget, but not the 5 × that says something is wrong
        Assert.Null(_attention.Current);
        Assert.DoesNotContain(_events.Events, e => e.Type == "attention");
    }

    [Fact]
    public void A_fast_sensor_needs_the_whole_span_of_data_time_not_a_number_of_windows()
    {
        for (int i = 1; i <= 5_000; i++) _attention.OnWindowScored(i * 0.085, 1, i % 10 == 0, driftDetected: false); // 12 windows a second, 7 minutes
        Assert.Null(_attention.Current);
        for (int i = 5_001; i <= 7_100; i++) _attention.OnWindowScored(i * 0.085, 1, i % 10 == 0, driftDetected: false); // past 10 minutes
        Assert.Equal(AttentionNotice.OverBudget, _attention.Current?.Code);
    }

    [Fact]
    public void While_drift_is_declared_the_drift_says_it_and_a_new_version_starts_its_span_afresh()
    {
        Windows(1, Span, every: 2, drift: true);
        Assert.Null(_attention.Current);
        Windows(1, Span, every: 10);
        Assert.Equal(AttentionNotice.OverBudget, _attention.Current?.Code);
        Windows(2, Span - 1, every: 10); // another version: its own span, not yet full
        Assert.Null(_attention.Current);
    }

    [Fact]
    public void A_refusal_during_drift_is_reported_over_everything_else_until_the_drift_clears()
    {
        _attention.OnRefused("no drift yet"); // a retrain command's refusal without drift: its own event says it
        Assert.Null(_attention.Current);

        Windows(1, 10, every: 1, drift: true);
        _attention.OnRefused("blind to synthetic broadband probes: it flags 30.1 % …");
        Assert.Equal(AttentionNotice.AdaptationRefused, _attention.Current?.Code);
        Assert.Contains("blind to synthetic broadband probes", _attention.Current!.Message);
        Windows(1, 100, every: 1, drift: true);
        Assert.Equal(AttentionNotice.AdaptationRefused, Code);

        Windows(1, 1, every: 0, drift: false); // the drift cleared
        Assert.Null(_attention.Current);
        Assert.Equal(["attention", "attention_cleared"], _events.Events.Select(e => e.Type));
    }

    [Fact]
    public void A_refusal_while_the_version_is_over_budget_is_reported_through_a_later_drift_until_the_version_calms_down()
    {
        Windows(1, Span + 1, every: 10);
        Assert.Equal(AttentionNotice.OverBudget, _attention.Current?.Code);
        _attention.OnRefused("blind to synthetic broadband probes: it flags 39.7 % …");
        AttentionNotice refused = _attention.Current!;
        Assert.Equal(AttentionNotice.AdaptationRefused, refused.Code);
        Assert.StartsWith("version 1 flags 10 % of the last 601 windows", refused.Message);
        Assert.EndsWith("its refit was refused (blind to synthetic broadband probes: it flags 39.7 % …)", refused.Message);

        Windows(1, 100, every: 2, drift: true); // a drift declared later clears over_budget, not the refusal
        Assert.Equal(AttentionNotice.AdaptationRefused, Code);
        Windows(1, 10, every: 2, drift: false); // nor does that drift clearing
        Assert.Equal(AttentionNotice.AdaptationRefused, Code);
        Windows(1, Span, every: 0); // a whole quiet span: the version calmed down
        Assert.Null(_attention.Current);
    }

    [Fact]
    public void A_refusal_is_forgotten_when_another_version_takes_over()
    {
        Windows(1, 10, every: 1, drift: true);
        _attention.OnRefused("false alarms did not fall");
        Windows(2, 1, every: 0, drift: false); // a rollback or promotion
        Assert.Null(_attention.Current);
    }

    [Fact]
    public void A_version_promoted_through_a_probe_check_that_only_reports_is_flagged_while_it_is_in_use()
    {
        Windows(1, 10, every: 0);
        _attention.OnPromoted(2, "blind to synthetic impulses probes: it flags 3.0 % of those made from the new normal");
        Windows(2, 1, every: 0);
        Assert.Equal(AttentionNotice.ProbeBlind, _attention.Current?.Code);
        Assert.StartsWith("version 2 was promoted although it is blind to synthetic impulses probes", _attention.Current!.Message);
        Windows(3, 1, every: 0); // another version in use
        Assert.Null(_attention.Current);
        _attention.OnPromoted(4, null);
        Windows(4, 1, every: 0);
        Assert.Null(_attention.Current);
    }

    [Fact]
    public void A_version_left_short_of_its_room_on_a_probe_kind_is_flagged_while_it_is_in_use()
    {
        var broadband = new SensorOdl.Learning.Anomaly.ProbeKindVerdict("broadband", 0.02, 1, 0.01) { RoomBar = 0.88, Unadapted = 0.01 };
        Windows(2, 10, every: 0);
        _attention.OnProbeShortLeft(2, broadband, "its refit was refused (false alarms on held-back new-normal windows rose (1.4 % → 2.1 %))");
        Assert.Equal(AttentionNotice.ProbeShort, _attention.Current?.Code);
        Assert.StartsWith("version 2 passed the probe guard on broadband probes only because the network without adapters is as blind in this room (it flags 2.0 % ",
            _attention.Current!.Message);
        Assert.EndsWith("and its refit was refused (false alarms on held-back new-normal windows rose (1.4 % → 2.1 %)): it may miss faults that look like them",
            _attention.Current.Message);
        Windows(3, 1, every: 0); // a later version
        Assert.Null(_attention.Current);
    }
}

/// <summary>The same through the daemon's pipeline: a promoted version that flags a tenth of a stationary machine's windows.</summary>
public sealed class AttentionPipelineTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("sensorodl-attention-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_promoted_version_over_its_budget_puts_attention_into_status_and_events()
    {
        var settings = new DaemonSettings
        {
            Adaptation = new() { Mode = AdaptationMode.Off, ProbationMinutes = 0 },
            Anomaly = new() { AttentionMinutes = 1 }, // ~700 windows of the simulated machine
            Storage = new() { SampleIntervalSeconds = 0 },
        };
        using SimulatedPipeline rig = SimulatedPipeline.Start(_dir, settings, seed: 6, trainingWindows: 300);
        float[] scores = [.. Enumerable.Range(0, 300).Select(_ => rig.Next().Score)];
        Assert.Null(rig.Pipeline.Attention.Current); // the base keeps its budget
        float tenth = Learning.Anomaly.Quantiles.Of(scores, 0.9);

        ProbationTests.PromoteCopy(rig, tenth / rig.Pipeline.Model.Current.Model.Threshold);
        rig.Stream(800);

        AttentionNotice notice = rig.Pipeline.Attention.Current ?? throw new Xunit.Sdk.XunitException($"no attention; events {string.Join(", ", rig.Types)}");
        Assert.Equal(AttentionNotice.OverBudget, notice.Code);
        Assert.StartsWith("version 2 flags ", notice.Message);
        Assert.Equal(notice.Code, rig.Pipeline.Status.ToJson(0)["attention"]!["code"]!.GetValue<string>());
        Assert.Contains(rig.Events.Events, e => e.Type == "attention" && e.Fields!["code"]!.GetValue<string>() == AttentionNotice.OverBudget);
        Assert.DoesNotContain("drift_detected", rig.Types);
    }
}
