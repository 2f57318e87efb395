using SensorOdl.Integration.Tests.Infrastructure;

namespace SensorOdl.Integration.Tests;

/// <summary>docs/CONTRACT.md §1–2 for `run` as a process: usage errors exit 2 with one line; a busy state directory exits 1.</summary>
public sealed class CommandLineTests : DaemonTest
{
    [Fact]
    public async Task Invalid_configuration_stops_start_up_with_exit_2_and_one_line_naming_the_key()
    {
        DaemonProcess daemon = StartDaemon(NewDevice("badcfg"), Path.Combine(Root, "unused"), "Mqtt:Uri=http://example.org:1883");
        int? exit = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(20));
        Check(exit == 2, $"exit code {exit} for an invalid Mqtt:Uri (2 expected)");
        string[] errors = [.. daemon.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("ERR "))];
        Check(errors.Length == 1 && errors[0].Contains("Mqtt:Uri"), $"stderr should be one line naming Mqtt:Uri:\n{string.Join("\n", errors)}");
    }

    [Fact]
    public async Task A_second_daemon_on_the_same_state_directory_is_refused_with_exit_1()
    {
        string device = NewDevice("busy");
        string stateDir = NewStateDir(device);
        (DaemonProcess first, MqttProbe _) = await StartMonitoringAsync(device, stateDir);
        DaemonProcess second = StartDaemon(NewDevice("busy2"), stateDir);
        int? exit = await second.WaitForExitAsync(TimeSpan.FromSeconds(20));
        Check(exit == 1, $"exit code {exit} for a second daemon on a state directory in use (1 expected)");
        string[] errors = [.. second.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("ERR "))];
        Check(errors.Length == 1 && errors[0].Contains("in use"), $"stderr should be one line saying the state is in use:\n{string.Join("\n", errors)}");
        Assert.False(first.HasExited, first.Describe());
    }
}
