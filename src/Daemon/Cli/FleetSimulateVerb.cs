using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Fleet;
using SensorOdl.Daemon.Fleet.Simulation;
using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Daemon.Cli;

/// <summary>`fleet simulate`: N simulated devices with the daemon's real pipeline in this process, until Ctrl-C or --duration.</summary>
public sealed class FleetSimulateVerb : IVerb
{
    public string Name => "fleet simulate";
    public string Summary => "N simulated devices with the daemon's pipeline in one process (load tests, demos)";
    public string Help => $"""
        usage: sensorodl fleet simulate --devices N [--id-prefix sim-] [--prefix P] [--speed X] [--seed S] [--duration S]
                 [--stats S] [--state-dir DIR] [--Section:Key=value …] [broker options]

        Runs N devices (ids: the prefix and a number, sim-001 …) on the simulated machine, each with the daemon's own
        feature extraction, scoring, drift, sample store, adaptation, command handling and MQTT topics (docs/CONTRACT.md §3),
        and a broker connection of its own (its own last will and availability). Shared by all: the base model (trained
        once at start), the feature transform, one thread that reads every device's windows, and one training worker:
        a retrain sent to many devices at once queues behind it, one fit at a time (a waiting device shows collecting n/n).
        --speed X runs every machine X times real time (default 1: 11.7 windows per second per device); --seed S: device i
        uses Sensor:Seed S+i; --prefix P is Mqtt:TopicPrefix; --duration S stops after S seconds (default: until Ctrl-C or SIGTERM);
        --stats S prints a line every S seconds (default 10; 0 = never): online devices, windows per second, skipped
        windows (the machine could not keep up), training queue, memory and CPU. --state-dir DIR keeps the devices' state
        (one directory each); by default it lives in a temporary directory that is deleted at the end. The daemon's other
        settings apply to every device (e.g. --Sensor:Simulation:Drift=mounting, --Adaptation:Mode=off).

        {FleetArguments.ConnectionHelp}
        """;

    public async Task<int> RunAsync(ParsedArguments arguments, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        int devices = arguments.Int("devices", 0, 1, 10_000);
        if (devices == 0) throw new UsageException("--devices N is required (1 to 10000).");
        string idPrefix = arguments.String("id-prefix") ?? "sim-";
        if (idPrefix.Length == 0 || !idPrefix.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new UsageException($"--id-prefix '{idPrefix}': use letters, digits, '-' and '_' only (device ids are part of MQTT topics).");
        if (arguments.String("prefix") is { } prefix) arguments.ConfigurationOverrides["Mqtt:TopicPrefix"] = prefix;
        if (arguments.Has("seed")) arguments.ConfigurationOverrides["Sensor:Seed"] = arguments.Int("seed", 1).ToString(CultureInfo.InvariantCulture);
        double speed = Number(arguments, "speed", 1);
        double duration = Number(arguments, "duration", 0, allowZero: true);
        double statsEvery = Number(arguments, "stats", 10, allowZero: true);
        string? stateRoot = arguments.String("state-dir");
        FleetArguments.Endpoint(arguments); // the broker options become Mqtt settings
        DaemonSettings settings = arguments.LoadSettings();
        arguments.RejectUnknown();
        if (settings.Sensor.Kind != SensorKind.Simulated)
            throw new UsageException($"fleet simulate runs the simulated machine; Sensor:Kind is {settings.Sensor.Kind.ToConfigValue()}.");

        // SIGTERM (systemd, kill, a script's cleanup) stops the devices as Ctrl-C does: offline said, state closed.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true;
            stopping.Cancel();
        });
        cancellation = stopping.Token;
        var started = Stopwatch.StartNew();
        stdout.WriteLine($"starting {devices} simulated devices on {new FleetEndpoint(settings.Mqtt, null).Uri} (prefix {settings.Mqtt.TopicPrefix}) …");
        await using FleetSimulator fleet = await FleetSimulator.StartAsync(
            new SimulatorOptions(devices, idPrefix, speed, stateRoot), settings, line => stderr.WriteLine(line), cancellation);
        bool all = await fleet.WaitConnectedAsync(TimeSpan.FromSeconds(60), cancellation);
        stdout.WriteLine($"{fleet.Connected} of {devices} devices online after {started.Elapsed.TotalSeconds:F1} s; a window every {fleet.WindowPeriod.TotalMilliseconds:F1} ms each");
        if (!all) stderr.WriteLine($"sensorodl: only {fleet.Connected} of {devices} devices connected within 60 s; they keep trying.");
        stdout.Flush();

        try
        {
            var stats = new SimulatorStats(fleet);
            TimeSpan end = duration > 0 ? TimeSpan.FromSeconds(duration) : Timeout.InfiniteTimeSpan;
            var clock = Stopwatch.StartNew();
            TimeSpan nextStats = statsEvery > 0 ? TimeSpan.FromSeconds(statsEvery) : Timeout.InfiniteTimeSpan;
            while (end == Timeout.InfiniteTimeSpan || clock.Elapsed < end)
            {
                TimeSpan wake = Min(end, nextStats) - clock.Elapsed;
                if (Min(end, nextStats) == Timeout.InfiniteTimeSpan) wake = Timeout.InfiniteTimeSpan;
                if (wake > TimeSpan.Zero || wake == Timeout.InfiniteTimeSpan) await Task.Delay(wake, cancellation);
                if (statsEvery > 0 && clock.Elapsed >= nextStats)
                {
                    stdout.WriteLine(stats.Line());
                    stdout.Flush();
                    nextStats += TimeSpan.FromSeconds(statsEvery);
                }
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested) { }
        stdout.WriteLine($"stopping {devices} devices …");
        return 0;
    }

    static TimeSpan Min(TimeSpan a, TimeSpan b) => a == Timeout.InfiniteTimeSpan ? b : b == Timeout.InfiniteTimeSpan ? a : a < b ? a : b;

    static double Number(ParsedArguments arguments, string name, double fallback, bool allowZero = false)
    {
        if (arguments.String(name) is not { } text) return fallback;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value) && (value > 0 || allowZero && value == 0)
            ? value
            : throw new UsageException($"--{name} must be a {(allowZero ? "non-negative" : "positive")} number, not '{text}'.");
    }
}

/// <summary>The `fleet simulate` progress line: what changed since the last one.</summary>
sealed class SimulatorStats(FleetSimulator fleet)
{
    readonly Stopwatch _clock = Stopwatch.StartNew();
    TimeSpan _lastAt;
    long _lastWindows;
    TimeSpan _lastCpu = Process.GetCurrentProcess().TotalProcessorTime;

    public string Line()
    {
        using Process self = Process.GetCurrentProcess();
        TimeSpan now = _clock.Elapsed, cpu = self.TotalProcessorTime;
        double seconds = (now - _lastAt).TotalSeconds;
        long windows = fleet.Windows;
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{now.TotalSeconds,6:F0} s  online {fleet.Connected}/{fleet.Devices.Count}  windows {(windows - _lastWindows) / seconds:F0}/s (skipped {fleet.SkippedWindows})  " +
            $"training {(fleet.TrainingBusy ? 1 : 0)} running, {fleet.TrainingWaiting} waiting, {fleet.TrainingCompleted} done  " +
            $"rss {self.WorkingSet64 / 1048576.0:F0} MB  cpu {(cpu - _lastCpu).TotalSeconds / seconds * 100:F0} %  threads {self.Threads.Count}");
        _lastAt = now;
        _lastWindows = windows;
        _lastCpu = cpu;
        return line;
    }
}
