using System.Text.Json.Nodes;
using SensorOdl.Daemon.Fleet;
using SensorOdl.Daemon.Fleet.Rollouts;

namespace SensorOdl.Daemon.Tests.Fleet.Rollouts;

/// <summary>A device's outcome in a stage → its rollout state; busy and rate-limited devices wait for the next stage.</summary>
public sealed class RolloutOutcomesTests
{
    static DeviceOutcome Outcome(bool succeeded, string kind, string? code = null) =>
        new("pump7", succeeded, kind, kind, code is null ? [] : new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = "m" } });

    [Theory]
    [InlineData(true, "promoted", null, false, "succeeded")]
    [InlineData(true, "pending", null, false, "succeeded")]
    [InlineData(true, "rolled_back", null, true, "succeeded")]
    [InlineData(false, "rejected", null, false, "rejected")]
    [InlineData(false, "timeout", null, false, "timed_out")]
    [InlineData(false, "failed", null, false, "failed")]
    [InlineData(false, "refused", "unauthorized", false, "failed")]
    [InlineData(false, "refused", "not_found", false, "failed")]
    [InlineData(false, "refused", "busy", true, "failed")]
    [InlineData(false, "refused", "rate_limited", true, "failed")]
    public void Each_outcome_has_its_state(bool succeeded, string kind, string? code, bool lastStage, string state) =>
        Assert.Equal(state, RolloutOutcomes.StateOf(Outcome(succeeded, kind, code), lastStage));

    [Theory]
    [InlineData("busy")]
    [InlineData("rate_limited")]
    public void Busy_or_rate_limited_before_the_last_stage_is_retried(string code)
    {
        Assert.Null(RolloutOutcomes.StateOf(Outcome(false, "refused", code), lastStage: false));
        Assert.Equal(code, RolloutOutcomes.RetryCode(Outcome(false, "refused", code)));
    }
}
