using System.Text;
using System.Text.Json.Nodes;
using SensorOdl.Integration.Tests.Infrastructure;
using static SensorOdl.Integration.Tests.Infrastructure.JsonAssert;

namespace SensorOdl.Integration.Tests;

/// <summary>
/// docs/CONTRACT.md §3: a command that cannot be parsed still gets a reply when a correlation id or response topic can be
/// recovered, and always a `command_rejected` event — and scoring goes on.
/// </summary>
public sealed class RobustnessTests : DaemonTest
{
    [Fact]
    public async Task Garbage_and_one_megabyte_payloads_are_rejected_while_scoring_goes_on()
    {
        string device = NewDevice("garbage");
        (DaemonProcess daemon, MqttProbe probe) = await StartMonitoringAsync(device, NewStateDir(device));
        string cmd = Topic(device, "cmd"), reply = Topic(device, "reply"), telemetry = Topic(device, "telemetry");

        // Garbage with a response topic: bad_json there, correlation data echoed, id null.
        int mark = probe.Mark;
        Received r1 = await probe.RequestAsync(cmd, "}{ this is not json");
        Assert.False(Bool(r1.Json, "ok"));
        Assert.Equal("bad_json", Str(Obj(r1.Json, "error"), "code"));
        Assert.Equal(device, Str(r1.Json, "device"));
        await WaitEventAsync(probe, device, e => Str(e, "type") == "command_rejected" && e["code"]?.GetValue<string>() == "bad_json", "command_rejected for garbage", mark);

        // Broken JSON whose id can still be read, without response topic: bad_json on the reply topic with that id.
        mark = probe.Mark;
        await probe.PublishAsync(cmd, "{\"id\":\"g-truncated\",\"command\":\"sta");
        Received r2 = await probe.WaitForAsync(m => m.Topic == reply && m.Json["id"]?.GetValue<string>() == "g-truncated", TimeSpan.FromSeconds(10), "reply to truncated JSON", mark);
        Assert.Equal("bad_json", Str(Obj(r2.Json, "error"), "code"));

        // Binary junk (invalid UTF-8) without id or response topic: no one to answer, but the event is there.
        mark = probe.Mark;
        await probe.PublishAsync(cmd, [0xff, 0xfe, 0x00, 0xc3, 0x28, 0x7b]);
        await WaitEventAsync(probe, device, e => Str(e, "type") == "command_rejected" && e["code"]?.GetValue<string>() == "bad_json", "command_rejected for binary junk", mark);

        // A JSON array, a JSON string: not a command object.
        await CommandTests.ExpectError(probe, device, "[1,2,3]", "bad_json");
        await CommandTests.ExpectError(probe, device, "\"status\"", "bad_json");

        // 1 MB with a response topic: bad_json (over the 64 KiB limit), correlation data echoed.
        byte[] big = BigCommand("g-big-1");
        mark = probe.Mark;
        Received r3 = await probe.RequestAsync(cmd, big, TimeSpan.FromSeconds(15));
        Assert.False(Bool(r3.Json, "ok"));
        Assert.Equal("bad_json", Str(Obj(r3.Json, "error"), "code"));
        await WaitEventAsync(probe, device, e => Str(e, "type") == "command_rejected" && e["code"]?.GetValue<string>() == "bad_json", "command_rejected for 1 MB", mark);

        // 1 MB without response topic: still a command_rejected event.
        mark = probe.Mark;
        await probe.PublishAsync(cmd, BigCommand("g-big-2"));
        await WaitEventAsync(probe, device, e => Str(e, "type") == "command_rejected" && e["code"]?.GetValue<string>() == "bad_json", "command_rejected for 1 MB without response topic", mark, 15);

        // Scoring and the link survive all of it: telemetry keeps flowing and commands are still answered.
        mark = probe.Mark;
        long after = NowMs;
        await probe.WaitForCountAsync(m => m.Topic == telemetry && Num(m.Json, "ts") > after, 2, TimeSpan.FromSeconds(15), "2 telemetry messages scored after the garbage", mark);
        Received ok = await probe.RequestAsync(cmd, Command("g-after", "status"));
        Assert.True(Bool(ok.Json, "ok"), ok.Text);
        Assert.Equal("monitoring", Str(Obj(ok.Json, "result"), "state"));
        Assert.False(daemon.HasExited, daemon.Describe());
    }

    [Fact]
    public async Task A_one_megabyte_command_whose_id_is_readable_is_answered_on_the_reply_topic()
    {
        // docs/CONTRACT.md §3: "A command that cannot be parsed still gets a reply when a correlation id … can be
        // recovered". The id is in the first bytes of the payload, so it can be.
        string device = NewDevice("bigid");
        (_, MqttProbe probe) = await StartMonitoringAsync(device, NewStateDir(device));
        int mark = probe.Mark;
        await probe.PublishAsync(Topic(device, "cmd"), BigCommand("g-big-id"));
        await WaitEventAsync(probe, device, e => Str(e, "type") == "command_rejected" && e["code"]?.GetValue<string>() == "bad_json", "command_rejected for 1 MB", mark, 15);
        Received r = await probe.WaitForAsync(m => m.Topic == Topic(device, "reply"), TimeSpan.FromSeconds(5), "a bad_json reply carrying id g-big-id on the reply topic", mark);
        Assert.Equal("g-big-id", r.Json["id"]?.GetValue<string>());
        Assert.Equal("bad_json", Str(Obj(r.Json, "error"), "code"));
    }

    /// <summary>A well-formed status command padded to 1 MiB.</summary>
    static byte[] BigCommand(string id)
    {
        string head = $"{{\"id\":\"{id}\",\"command\":\"status\",\"args\":{{\"pad\":\"";
        const string tail = "\"}}";
        return Encoding.UTF8.GetBytes(head + new string('x', 1024 * 1024 - head.Length - tail.Length) + tail);
    }
}
