using System.Text;
using System.Text.Json.Nodes;
using SensorOdl.Daemon.Fleet;

namespace SensorOdl.Daemon.Tests.Fleet;

/// <summary>`fleet status`: a device whose status carries `attention` says so in the table, the JSON rows and `--select`.</summary>
public sealed class StatusReportTests
{
    static DeviceView Device(string id, string? attention)
    {
        var view = new DeviceView(id);
        view.Apply("availability", new FleetMessage($"sensorodl/{id}/availability", Encoding.UTF8.GetBytes("online"), true));
        string notice = attention is null ? "null" : $$"""{"code":"{{attention}}","message":"version 3 flags 9.4 % of the last 300 windows","since":5}""";
        view.Apply("status", new FleetMessage($"sensorodl/{id}/status", Encoding.UTF8.GetBytes(
            $$"""{"device":"{{id}}","state":"monitoring","model":{"version":3,"method":"skip2-lora-q4"},"attention":{{notice}},"ts":1}"""), true));
        return view;
    }

    static readonly FleetSnapshot Snapshot = new([Device("calm", null), Device("alarming", "over_budget")], Asked: false, Answered: 0);

    [Fact]
    public void The_table_has_an_attention_column_with_the_notice_code()
    {
        string[] lines = StatusReport.Table(Snapshot, TimeSpan.FromSeconds(1)).Split('\n');
        Assert.Contains("attention", lines[0]);
        int column = lines[0].IndexOf("attention", StringComparison.Ordinal);
        Assert.Equal("-", lines.Single(l => l.StartsWith("calm", StringComparison.Ordinal))[column..].Split(' ')[0]);
        Assert.Equal("over_budget", lines.Single(l => l.StartsWith("alarming", StringComparison.Ordinal))[column..].Split(' ')[0]);
    }

    [Fact]
    public void Json_rows_carry_the_notice_and_select_finds_the_devices_that_need_attention()
    {
        JsonArray rows = StatusReport.Json(Snapshot)["devices"]!.AsArray();
        Assert.Null(rows[0]!["attention"]);
        Assert.Equal("over_budget", rows[1]!["attention"]!["code"]!.GetValue<string>());
        Assert.Equal(["alarming"], FleetSelection.Apply(Snapshot.Devices, "attention.code=over_budget|adaptation_refused|probe_blind").Select(v => v.Device));
    }
}
