using System.Text;
using SensorOdl.TestSupport;

namespace SensorOdl.Integration.Tests.Infrastructure;

/// <summary>
/// One mosquitto and several real daemons behind it, shared by a test class (starting daemons is the expensive part):
/// each daemon starts from the same imported base of the simulated machine (the v1 fixture's, read from a copy, so no
/// first-start training), at 3× speed, every window stored, adaptation off, no retrain rate limit, signed commands
/// (the fleet tool signs with the same key file). Subclasses name the devices and what each runs.
/// </summary>
public abstract class SignedDaemonsFixture(string name, string key) : IAsyncLifetime
{
    public const string Prefix = DaemonTest.Prefix;
    protected readonly List<DaemonProcess> Processes = [];

    public Broker Broker { get; private set; } = null!;
    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"sensorodl-{name}-{Guid.NewGuid():N}");
    public string KeyFile => Path.Combine(Root, "command.key");
    string BaseModel => Path.Combine(Root, "base.sodl");
    /// <summary>Sees the topics the subclass subscribes, from the start.</summary>
    public MqttProbe Probe { get; private set; } = null!;

    public abstract Task InitializeAsync();

    /// <summary>The key, the base and the broker; the probe subscribed to <paramref name="topics"/>.</summary>
    protected async Task StartBrokerAsync(params string[] topics)
    {
        Directory.CreateDirectory(Root);
        await File.WriteAllTextAsync(KeyFile, key + "\n");
        File.Copy(Path.Combine(RepoPaths.Root, "tests", "Fixtures", "v1", "state-dir", "models", "base-6f8a850a464bd6b5.sodl"), BaseModel);
        Broker = await Broker.StartNewAsync(Path.Combine(Root, "broker"));
        Probe = await MqttProbe.ConnectAsync(Broker.Port, Diagnostics);
        await Probe.SubscribeAsync(topics);
    }

    /// <summary>Starts a daemon for <paramref name="device"/> with the shared settings plus <paramref name="extra"/> (`Key=value`).</summary>
    protected void StartDaemon(string device, params string[] extra)
    {
        var arguments = new List<string>
        {
            "run", $"--Mqtt:Uri={Broker.Uri}", $"--Device:Id={device}", $"--Storage:StateDir={Path.Combine(Root, device)}",
            "--Sensor:Speed=3", "--Storage:SampleIntervalSeconds=0", "--Adaptation:Mode=off", "--Adaptation:MinIntervalMinutes=0",
            $"--Security:CommandKeyFile={KeyFile}", $"--Model:Path={BaseModel}",
        };
        arguments.AddRange(extra.Select(e => $"--{e}"));
        lock (Processes) Processes.Add(DaemonProcess.Start(arguments));
    }

    /// <summary>Waits until each device reports `monitoring` (or `drift`) and has published its model.</summary>
    protected async Task WaitUntilMonitoringAsync(params string[] devices)
    {
        foreach (string device in devices)
        {
            await Probe.WaitForAsync(m => m.Topic == $"{Prefix}/{device}/status" && m.Json["state"]?.GetValue<string>() is "monitoring" or "drift",
                TimeSpan.FromSeconds(60), $"{device}: status monitoring");
            await Probe.WaitForAsync(m => m.Topic == $"{Prefix}/{device}/model", TimeSpan.FromSeconds(20), $"{device}: model");
        }
    }

    public string Diagnostics()
    {
        var text = new StringBuilder();
        lock (Processes)
            foreach (DaemonProcess p in Processes) text.AppendLine(p.Describe());
        string log = Broker?.Log ?? "";
        text.AppendLine($"--- broker ---\n{(log.Length > 4000 ? log[^4000..] : log)}");
        return text.ToString();
    }

    public async Task DisposeAsync()
    {
        if (Probe is not null) await Probe.DisposeAsync();
        foreach (DaemonProcess p in Processes) await p.DisposeAsync();
        if (Broker is not null) await Broker.DisposeAsync();
        if (Environment.GetEnvironmentVariable("SENSORODL_IT_KEEP") == "1") return;
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
