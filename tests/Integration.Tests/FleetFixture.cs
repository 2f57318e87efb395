using System.Text;
using System.Text.Json.Nodes;
using SensorOdl.Daemon.Cli;
using SensorOdl.Integration.Tests.Infrastructure;
using SensorOdl.TestSupport;

namespace SensorOdl.Integration.Tests;

/// <summary>
/// One mosquitto and two real daemons shared by every `fleet` test (starting daemons is the expensive part): `Drifted`
/// runs the simulated machine remounted from the first window (so the base flags it and a retrain gets promoted),
/// `Steady` the default machine. Both start from the same imported base, at 3× speed, every window stored, adaptation off (drift waits for an operator's retrain),
/// no retrain rate limit, and signed commands (the fleet tool signs with the same key file).
/// </summary>
public sealed class FleetFixture : IAsyncLifetime
{
    public const string Prefix = DaemonTest.Prefix;
    readonly List<DaemonProcess> _processes = [];

    public Broker Broker { get; private set; } = null!;
    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"sensorodl-fleet-{Guid.NewGuid():N}");
    public string KeyFile => Path.Combine(Root, "command.key");
    string BaseModel => Path.Combine(Root, "base.sodl");
    public string Drifted { get; } = $"it-drifted-{Guid.NewGuid().ToString("N")[..6]}";
    public string Steady { get; } = $"it-steady-{Guid.NewGuid().ToString("N")[..6]}";
    /// <summary>Sees every device topic of the broker, from the start.</summary>
    public MqttProbe Probe { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        await File.WriteAllTextAsync(KeyFile, "fleet-integration-key\n");
        // A base for the simulated machine from the v1 fixtures (read from a copy): importing it skips the first-start training.
        File.Copy(Path.Combine(RepoPaths.Root, "tests", "Fixtures", "v1", "state-dir", "models", "base-6f8a850a464bd6b5.sodl"), BaseModel);
        Broker = await Broker.StartNewAsync(Path.Combine(Root, "broker"));
        Probe = await MqttProbe.ConnectAsync(Broker.Port, Diagnostics);
        await Probe.SubscribeAsync($"{Prefix}/+/status", $"{Prefix}/+/model", $"{Prefix}/+/events", $"{Prefix}/+/availability");
        Start(Drifted, "Sensor:Simulation:Drift=mounting");
        Start(Steady);
        foreach (string device in new[] { Drifted, Steady })
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
            "--Sensor:Speed=3", "--Storage:SampleIntervalSeconds=0", "--Adaptation:Mode=off", "--Adaptation:MinIntervalMinutes=0",
            $"--Security:CommandKeyFile={KeyFile}", $"--Model:Path={BaseModel}",
        };
        arguments.AddRange(extra.Select(e => $"--{e}"));
        _processes.Add(DaemonProcess.Start(arguments));
    }

    /// <summary>`sensorodl fleet …` as the operator runs it: its own process, against this broker, signing with the key unless told not to.</summary>
    public async Task<CliRun> FleetProcessAsync(bool signed, params string[] arguments)
    {
        DaemonProcess process = StartFleetProcess(signed, arguments);
        int? code = await process.WaitForExitAsync(TimeSpan.FromSeconds(90));
        Assert.True(code is not null, $"fleet {string.Join(' ', arguments)} did not end within 90 s\n{process.Describe()}\n{Diagnostics()}");
        string[] lines = process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return new CliRun(code!.Value, string.Join('\n', lines.Where(l => !l.StartsWith("ERR ", StringComparison.Ordinal))),
            string.Join('\n', lines.Where(l => l.StartsWith("ERR ", StringComparison.Ordinal)).Select(l => l[4..])));
    }

    public DaemonProcess StartFleetProcess(bool signed, params string[] arguments)
    {
        DaemonProcess process = DaemonProcess.Start(["fleet", .. arguments, .. Connection(signed)]);
        lock (_processes) _processes.Add(process);
        return process;
    }

    /// <summary>The same command line through the command-line entry point in this process: quicker, same exit codes and output.</summary>
    public Task<CliRun> FleetAsync(bool signed, params string[] arguments) => RunAsync(["fleet", .. arguments, .. Connection(signed)]);

    public static async Task<CliRun> RunAsync(string[] arguments)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await CommandLine.RunAsync(arguments, stdout, stderr);
        return new CliRun(code, stdout.ToString().TrimEnd(), stderr.ToString().TrimEnd());
    }

    string[] Connection(bool signed) => signed ? ["--broker", Broker.Uri, "--key-file", KeyFile] : ["--broker", Broker.Uri];

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

/// <summary>What one `sensorodl fleet` run printed and returned.</summary>
public sealed record CliRun(int Code, string Out, string Err)
{
    public string[] ErrLines => Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    public JsonObject Json => JsonNode.Parse(Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]) as JsonObject
        ?? throw new InvalidOperationException($"not a JSON object: {Out}");
    public override string ToString() => $"exit {Code}\n--- stdout ---\n{Out}\n--- stderr ---\n{Err}";
}
