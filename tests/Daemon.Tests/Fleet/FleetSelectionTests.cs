using System.Text;
using SensorOdl.Daemon.Fleet;
using SensorOdl.Drivers.Recordings;

namespace SensorOdl.Daemon.Tests.Fleet;

/// <summary>`fleet --select`: the manifest filter grammar on each device's status and model JSON, keys as dotted paths.</summary>
public sealed class FleetSelectionTests
{
    static DeviceView Device(string id, string state, int version, string method, string availability = "online")
    {
        var view = new DeviceView(id);
        view.Apply("availability", new FleetMessage($"sensorodl/{id}/availability", Encoding.UTF8.GetBytes(availability), true));
        view.Apply("status", new FleetMessage($"sensorodl/{id}/status", Encoding.UTF8.GetBytes(
            $$"""{"device":"{{id}}","state":"{{state}}","model":{"version":{{version}},"method":"{{method}}"},"drift":{"detected":{{(state == "drift" ? "true" : "false")}},"statistic":0.1},"collecting":null,"ts":1}"""), true));
        view.Apply("model", new FleetMessage($"sensorodl/{id}/model", Encoding.UTF8.GetBytes(
            $$"""{"version":{{version}},"method":"{{method}}","metrics":{"falseAlarmsAfter":0.01},"parentVersion":null}"""), true));
        return view;
    }

    static readonly IReadOnlyList<DeviceView> Fleet =
    [
        Device("a", "monitoring", 1, "base"),
        Device("b", "drift", 3, "skip2-lora-q4"),
        Device("c", "collecting", 3, "skip2-lora-q4", "offline"),
    ];

    static string[] Select(string filter) => [.. FleetSelection.Apply(Fleet, filter).Select(v => v.Device)];

    [Theory]
    [InlineData("model.version=3", new[] { "b", "c" })]
    [InlineData("state=monitoring|drift", new[] { "a", "b" })]
    [InlineData("device=a|c", new[] { "a", "c" })]
    [InlineData("online=false", new[] { "c" })]
    [InlineData("drift.detected=true,model.method=skip2-lora-q4", new[] { "b" })]
    [InlineData("model.metrics.falseAlarmsAfter=0.01,model.version=1", new[] { "a" })]
    [InlineData("collecting=null", new[] { "a", "b", "c" })]
    [InlineData("model.parentVersion=null,state=collecting", new[] { "c" })]
    public void Dotted_paths_reach_into_status_and_model(string filter, string[] expected) => Assert.Equal(expected, Select(filter));

    [Fact]
    public void A_key_no_device_has_is_a_usage_error_naming_it()
    {
        var e = Assert.Throws<ManifestFilterException>(() => Select("modle.version=3"));
        Assert.Contains("'modle.version'", e.Message);
    }

    [Fact]
    public void A_clause_without_equals_does_not_parse() => Assert.Throws<FilterSyntaxException>(() => Select("state"));
}
