using System.Globalization;
using System.Runtime.Versioning;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SensorOdl.Daemon.Tests.Systemd;

[SupportedOSPlatform("linux")]
public sealed partial class SystemdUnitTests
{
    private const string InstalledBinary = "/usr/lib/sensorodl/sensorodl";
    // The host's HostOptions.ShutdownTimeout; systemd must wait longer than the host does.
    private static readonly TimeSpan HostShutdownTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public void Security_exposure_is_at_most_2()
    {
        var (exitCode, output) = SystemdTools.Run("systemd-analyze", "security", "--offline=true", "--no-pager", SystemdTools.UnitPath);

        var match = ExposureLine().Match(output);
        Assert.True(match.Success, $"no exposure line in systemd-analyze security output (exit {exitCode}):\n{output}");
        var exposure = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(exposure <= 2.0, $"exposure {exposure} > 2.0:\n{output}");
    }

    // verify refuses a unit whose ExecStart binary does not exist, and the daemon is not installed on
    // the build machine. So a copy with only the ExecStart path pointing at a stub executable is verified.
    [Fact]
    public void Verify_is_clean()
    {
        var directory = Directory.CreateTempSubdirectory("sodl-unit-").FullName;
        try
        {
            var stub = Path.Combine(directory, "sensorodl");
            File.WriteAllText(stub, "#!/bin/sh\nexit 0\n");
            File.SetUnixFileMode(stub, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var original = File.ReadAllLines(SystemdTools.UnitPath);
            var copy = original.Select(line => line.StartsWith("ExecStart=", StringComparison.Ordinal)
                ? line.Replace(InstalledBinary, stub, StringComparison.Ordinal)
                : line).ToArray();
            Assert.Single(original.Zip(copy), pair => pair.First != pair.Second);
            var unit = Path.Combine(directory, "sensorodl.service");
            File.WriteAllLines(unit, copy);

            var (exitCode, output) = SystemdTools.Run("systemd-analyze", "verify", unit);

            // Lines about other units (the host's own) are not this unit's problem.
            var complaints = Lines(output).Where(line => line.Contains("sensorodl", StringComparison.Ordinal)).ToList();
            Assert.True(exitCode == 0 && complaints.Count == 0, $"systemd-analyze verify exit {exitCode}:\n{output}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Verify_of_the_unchanged_unit_only_misses_the_installed_binary()
    {
        var (_, output) = SystemdTools.Run("systemd-analyze", "verify", SystemdTools.UnitPath);

        var complaints = Lines(output).Where(line => line.Contains("sensorodl.service", StringComparison.Ordinal));
        Assert.All(complaints, line => Assert.Contains(InstalledBinary, line, StringComparison.Ordinal));
    }

    [Fact]
    public void Unit_has_the_settings_the_daemon_relies_on()
    {
        var service = ServiceSection();

        Assert.Equal(["notify"], service["Type"]);
        Assert.Equal([$"{InstalledBinary} run"], service["ExecStart"]);
        Assert.Equal(["sensorodl"], service["User"]);
        Assert.Equal(["sensorodl"], service["StateDirectory"]);
        Assert.Equal(["sensorodl"], service["ConfigurationDirectory"]);
        Assert.Contains("DOTNET_hostBuilder__reloadConfigOnChange=false", service["Environment"]);
        Assert.Equal(["closed"], service["DevicePolicy"]);
        Assert.Equal(["char-i2c rw", "char-spi rw", "char-gpiochip rw"], service["DeviceAllow"]);
        Assert.True(Seconds(service["WatchdogSec"].Single()) > 0);
        Assert.True(Seconds(service["TimeoutStopSec"].Single()) > HostShutdownTimeout.TotalSeconds,
            "TimeoutStopSec must exceed the host's 20 s shutdown timeout");
        Assert.DoesNotContain("PrivateDevices", service.Keys);

        var after = Section("Unit")["After"].SelectMany(v => v.Split(' ')).ToList();
        Assert.Contains("time-sync.target", after);
        Assert.Contains("network-online.target", after);
    }

    [Fact]
    public void Sysusers_snippet_creates_the_user_and_the_device_groups()
    {
        var root = Directory.CreateTempSubdirectory("sodl-root-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "etc"));
            var (exitCode, output) = SystemdTools.Run("systemd-sysusers", $"--root={root}",
                SystemdTools.DeployFile("sensorodl.sysusers.conf"));
            Assert.True(exitCode == 0, $"systemd-sysusers exit {exitCode}:\n{output}");

            var passwd = File.ReadAllLines(Path.Combine(root, "etc", "passwd"));
            Assert.Contains(passwd, line => line.StartsWith("sensorodl:", StringComparison.Ordinal)
                && line.Contains(":/var/lib/sensorodl:", StringComparison.Ordinal));
            var groups = File.ReadAllLines(Path.Combine(root, "etc", "group")).Select(line => line.Split(':')[0]).ToList();
            var supplementary = ServiceSection()["SupplementaryGroups"].SelectMany(v => v.Split(' '));
            Assert.All(supplementary.Append("sensorodl"), group => Assert.Contains(group, groups));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Example_configuration_has_the_contract_sections()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(SystemdTools.DeployFile("sensorodl.json.example")));
        var config = document.RootElement;

        foreach (var section in new[] { "Device", "Mqtt", "Sensor", "Anomaly", "Drift", "Adaptation", "Storage", "Security" })
            Assert.Equal(JsonValueKind.Object, config.GetProperty(section).ValueKind);
        Assert.StartsWith("mqtts://", config.GetProperty("Mqtt").GetProperty("Uri").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("/etc/sensorodl/", config.GetProperty("Mqtt").GetProperty("CaFile").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("/etc/sensorodl/", config.GetProperty("Mqtt").GetProperty("PasswordFile").GetString(), StringComparison.Ordinal);
        Assert.Equal("adxl345", config.GetProperty("Sensor").GetProperty("Kind").GetString());
        // No Address: the ADXL345 is on SPI (/dev/spidev0.0).
        Assert.False(config.GetProperty("Sensor").TryGetProperty("Address", out _));
    }

    private static Dictionary<string, List<string>> ServiceSection() => Section("Service");

    private static Dictionary<string, List<string>> Section(string name)
    {
        var values = new Dictionary<string, List<string>>();
        var inSection = false;
        foreach (var raw in File.ReadAllLines(SystemdTools.UnitPath))
        {
            var line = raw.Trim();
            if (line.StartsWith('['))
                inSection = line == $"[{name}]";
            else if (inSection && line.Length > 0 && line[0] is not ('#' or ';') && line.IndexOf('=') is var eq and > 0)
            {
                var key = line[..eq];
                if (!values.TryGetValue(key, out var list))
                    values[key] = list = [];
                list.Add(line[(eq + 1)..]);
            }
        }
        return values;
    }

    private static double Seconds(string value) =>
        double.Parse(value.TrimEnd('s'), CultureInfo.InvariantCulture);

    private static IEnumerable<string> Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [GeneratedRegex(@"Overall exposure level for sensorodl\.service:\s*([0-9]+(?:\.[0-9]+)?)")]
    private static partial Regex ExposureLine();
}
