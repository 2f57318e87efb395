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
public sealed class FleetFixture() : SignedDaemonsFixture("fleet", "fleet-integration-key")
{
    public string Drifted { get; } = $"it-drifted-{Guid.NewGuid().ToString("N")[..6]}";
    public string Steady { get; } = $"it-steady-{Guid.NewGuid().ToString("N")[..6]}";

    public override async Task InitializeAsync()
    {
        await StartBrokerAsync($"{Prefix}/+/status", $"{Prefix}/+/model", $"{Prefix}/+/events", $"{Prefix}/+/availability");
        StartDaemon(Drifted, "Sensor:Simulation:Drift=mounting");
        StartDaemon(Steady);
        await WaitUntilMonitoringAsync(Drifted, Steady);
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
        lock (Processes) Processes.Add(process);
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
}

public sealed record CliRun(int Code, string Out, string Err)
{
    public string[] ErrLines => Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    public JsonObject Json => JsonNode.Parse(Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]) as JsonObject
        ?? throw new InvalidOperationException($"not a JSON object: {Out}");
    public override string ToString() => $"exit {Code}\n--- stdout ---\n{Out}\n--- stderr ---\n{Err}";
}
