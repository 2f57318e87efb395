using System.Text;
using SensorOdl.Integration.Tests.Infrastructure;
using SensorOdl.TestSupport;

namespace SensorOdl.Integration.Tests;

/// <summary>
/// One mosquitto and three real daemons for the `fleet rollout` tests, ids sorting as A, B, C (stages take devices in id
/// order). A runs the default machine with `Anomaly:FalseAlarmBudget=0.45`: a candidate's threshold then sits at the
/// 55th percentile of its held-back windows, so it flags far more of them than the base and validation rejects every
/// retrain — a real rejection, not a fake. B and C run the machine remounted from the first window, so the imported base
/// flags much of what they see and a retrain is promoted. All at 3× speed, every window stored and sent as telemetry,
/// adaptation off, no retrain rate limit, signed commands.
/// </summary>
public sealed class RolloutFixture : IAsyncLifetime
{
    public const string Prefix = DaemonTest.Prefix;
    readonly List<DaemonProcess> _processes = [];
    readonly string _tag = Guid.NewGuid().ToString("N")[..6];

    public Broker Broker { get; private set; } = null!;
    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"sensorodl-rollout-{Guid.NewGuid():N}");
    public string KeyFile => Path.Combine(Root, "command.key");
    string BaseModel => Path.Combine(Root, "base.sodl");
    public string A => $"it-ro-{_tag}-a";
    public string B => $"it-ro-{_tag}-b";
    public string C => $"it-ro-{_tag}-c";
    public string All => $"device={A}|{B}|{C}";
    /// <summary>Sees every device topic and every command, from the start.</summary>
    public MqttProbe Probe { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        await File.WriteAllTextAsync(KeyFile, "rollout-integration-key\n");
        File.Copy(Path.Combine(RepoPaths.Root, "tests", "Fixtures", "v1", "state-dir", "models", "base-6f8a850a464bd6b5.sodl"), BaseModel);
        Broker = await Broker.StartNewAsync(Path.Combine(Root, "broker"));
        Probe = await MqttProbe.ConnectAsync(Broker.Port, Diagnostics);
        await Probe.SubscribeAsync($"{Prefix}/+/status", $"{Prefix}/+/model", $"{Prefix}/+/events", $"{Prefix}/+/cmd", $"{Prefix}/fleet/rollouts/#");
        Start(A, "Anomaly:FalseAlarmBudget=0.45");
        Start(B, "Sensor:Simulation:Drift=mounting");
        Start(C, "Sensor:Simulation:Drift=mounting");
        foreach (string device in new[] { A, B, C })
        {
            await Probe.WaitForAsync(m => m.Topic == $"{Prefix}/{device}/status" && m.Json["state"]?.GetValue<string>() is "monitoring" or "drift",
                TimeSpan.FromSeconds(60), $"{device}: status monitoring");
            await Probe.WaitForAsync(m => m.Topic == $"{Prefix}/{device}/model", TimeSpan.FromSeconds(20), $"{device}: model");
        }
    }

    void Start(string device, params string[] extra)
    {
        var arguments = new List<string>
        {
            "run", $"--Mqtt:Uri={Broker.Uri}", $"--Device:Id={device}", $"--Storage:StateDir={Path.Combine(Root, device)}",
            "--Sensor:Speed=3", "--Storage:SampleIntervalSeconds=0", "--Mqtt:TelemetryIntervalSeconds=0", "--Adaptation:Mode=off",
            "--Adaptation:MinIntervalMinutes=0", $"--Security:CommandKeyFile={KeyFile}", $"--Model:Path={BaseModel}",
        };
        arguments.AddRange(extra.Select(e => $"--{e}"));
        _processes.Add(DaemonProcess.Start(arguments));
    }

    /// <summary>`sensorodl fleet …` through the command-line entry point in this process, signed, against this broker.</summary>
    public Task<CliRun> FleetAsync(params string[] arguments) => FleetFixture.RunAsync(["fleet", .. arguments, "--broker", Broker.Uri, "--key-file", KeyFile]);

    public string Diagnostics()
    {
        var text = new StringBuilder();
        lock (_processes)
            foreach (DaemonProcess p in _processes) text.AppendLine(p.Describe());
        string log = Broker?.Log ?? "";
        text.AppendLine($"--- broker ---\n{(log.Length > 4000 ? log[^4000..] : log)}");
        return text.ToString();
    }

    public async Task DisposeAsync()
    {
        if (Probe is not null) await Probe.DisposeAsync();
        foreach (DaemonProcess p in _processes) await p.DisposeAsync();
        if (Broker is not null) await Broker.DisposeAsync();
        if (Environment.GetEnvironmentVariable("SENSORODL_IT_KEEP") == "1") return;
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
