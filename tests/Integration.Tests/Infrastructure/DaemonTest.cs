using System.Text;
using System.Text.Json.Nodes;
using MQTTnet.Formatter;
using SensorOdl.TestSupport;

namespace SensorOdl.Integration.Tests.Infrastructure;

/// <summary>
/// Base of every integration test: a broker of its own (xunit makes one instance per test), temp state
/// directories, unique device ids, and the daemons and probes to clean up. All tests run one at a time
/// (xunit.runner.json): the machine has 2 cores and each test runs real processes.
/// </summary>
public abstract class DaemonTest : IAsyncLifetime
{
    public const string Prefix = "sensorodl";
    readonly List<DaemonProcess> _daemons = [];
    readonly List<MqttProbe> _probes = [];

    protected Broker Broker { get; private set; } = null!;
    protected string Root { get; } = Path.Combine(Path.GetTempPath(), $"sensorodl-it-{Guid.NewGuid():N}");
    protected static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(40);

    /// <summary>Whether mosquitto keeps sessions across its own restart (the outage test's observer needs it).</summary>
    protected virtual bool PersistentBroker => false;

    /// <summary>mosquitto configuration lines replacing `allow_anonymous true` (given the broker's work folder), or null.</summary>
    protected virtual string? BrokerSecurity(string brokerDir) => null;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        string brokerDir = Path.Combine(Root, "broker");
        Directory.CreateDirectory(brokerDir);
        Broker = await Broker.StartNewAsync(brokerDir, PersistentBroker, BrokerSecurity(brokerDir));
    }

    public async Task DisposeAsync()
    {
        foreach (MqttProbe probe in _probes) await probe.DisposeAsync();
        foreach (DaemonProcess daemon in _daemons) await daemon.DisposeAsync();
        await Broker.DisposeAsync();
        if (Environment.GetEnvironmentVariable("SENSORODL_IT_KEEP") == "1") return; // keep state and broker logs for a post-mortem
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    protected static string NewDevice(string tag) => $"it-{tag}-{Guid.NewGuid().ToString("N")[..8]}";

    protected string NewStateDir(string device) => Path.Combine(Root, $"state-{device}");

    protected static string Topic(string device, string leaf) => $"{Prefix}/{device}/{leaf}";

    /// <summary>
    /// Starts `sensorodl run` against this test's broker: simulated machine in real time (Sensor:Speed=1, ~12
    /// windows/s, a few % of a core). <paramref name="settings"/> are `Section:Key=value` and win over the defaults.
    /// </summary>
    protected DaemonProcess StartDaemon(string device, string stateDir, params string[] settings)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Mqtt:Uri"] = Broker.Uri,
            ["Device:Id"] = device,
            ["Storage:StateDir"] = stateDir,
            ["Sensor:Speed"] = "1",
        };
        foreach (string s in settings)
        {
            int eq = s.IndexOf('=');
            values[s[..eq]] = s[(eq + 1)..];
        }
        var arguments = new List<string> { "run" };
        arguments.AddRange(values.Select(kv => $"--{kv.Key}={kv.Value}"));
        DaemonProcess daemon = DaemonProcess.Start(arguments);
        lock (_daemons) _daemons.Add(daemon);
        return daemon;
    }

    /// <summary>Starts another `sensorodl` verb (train, …) as a process: killed at the end and described in failures like the daemons.</summary>
    protected DaemonProcess StartVerb(params string[] arguments)
    {
        DaemonProcess process = DaemonProcess.Start(arguments);
        lock (_daemons) _daemons.Add(process);
        return process;
    }

    /// <summary>`sensorodl train` of a base on the fan's quiet-room normal recordings into <paramref name="stateDir"/> (~5 s of CPU).</summary>
    protected async Task TrainQuietRoomBaseAsync(string stateDir)
    {
        // The deadline is generous because a busy 2-core machine stretches those seconds several times over.
        DaemonProcess train = StartVerb("train", "--data", RepoPaths.DataSet("cooling-fan"), "--filter", "env=silentA,state=normal", "--epochs", "40",
            $"--Storage:StateDir={stateDir}");
        int? trained = await train.WaitForExitAsync(TimeSpan.FromSeconds(180));
        Check(trained == 0, $"sensorodl train {(trained is null ? "did not finish within 180 s" : $"exited {trained}")}");
    }

    protected async Task<MqttProbe> ProbeAsync(params string[] filters) => await ProbeAsync(MqttProtocolVersion.V500, filters);

    protected async Task<MqttProbe> ProbeAsync(MqttProtocolVersion version, params string[] filters) => await ProbeAsync(version, null, filters);

    /// <summary>A probe that logs in as <paramref name="login"/> (user name and password).</summary>
    protected async Task<MqttProbe> ProbeAsync(MqttProtocolVersion version, (string User, string Password)? login, params string[] filters)
    {
        MqttProbe probe = await MqttProbe.ConnectAsync(Broker.Port, Diagnostics, version, login: login);
        _probes.Add(probe);
        if (filters.Length > 0) await probe.SubscribeAsync(filters);
        return probe;
    }

    protected async Task<MqttProbe> PersistentProbeAsync(string clientId, params string[] filters)
    {
        MqttProbe probe = await MqttProbe.ConnectAsync(Broker.Port, Diagnostics, MqttProtocolVersion.V500, clientId, persistentSession: true);
        _probes.Add(probe);
        if (filters.Length > 0) await probe.SubscribeAsync(filters);
        return probe;
    }

    /// <summary>Waits for the daemon's status to leave `starting` (the model is loaded or trained and scoring runs).</summary>
    protected static async Task<JsonObject> WaitMonitoringAsync(MqttProbe probe, string device, int from = 0)
    {
        Received status = await probe.WaitForAsync(m => m.Topic == Topic(device, "status") && m.Json["state"]?.GetValue<string>() == "monitoring",
            StartTimeout, $"{device}: status 'monitoring'", from);
        // The model goes out right after the first monitoring status (first start: once the base is trained).
        await probe.WaitForAsync(m => m.Topic == Topic(device, "model"), TimeSpan.FromSeconds(10), $"{device}: model", from);
        return status.Json;
    }

    /// <summary>Starts a daemon and waits until it is online and monitoring; the probe watches its whole tree.</summary>
    protected async Task<(DaemonProcess Daemon, MqttProbe Probe)> StartMonitoringAsync(string device, string stateDir, params string[] settings)
    {
        MqttProbe probe = await ProbeAsync($"{Prefix}/{device}/#");
        DaemonProcess daemon = StartDaemon(device, stateDir, settings);
        await WaitMonitoringAsync(probe, device);
        return (daemon, probe);
    }

    public static string Command(string id, string command, JsonObject? args = null, long? ts = null)
    {
        var o = new JsonObject { ["id"] = id, ["command"] = command };
        if (args is not null) o["args"] = args;
        o["ts"] = ts ?? NowMs;
        return o.ToJsonString();
    }

    public static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    protected static IEnumerable<JsonObject> Events(MqttProbe probe, string device, int from = 0) =>
        probe.On(Topic(device, "events"), from).Select(m => m.Json);

    protected static Task<Received> WaitEventAsync(MqttProbe probe, string device, Func<JsonObject, bool> match, string what, int from = 0, double seconds = 10) =>
        probe.WaitForAsync(m => m.Topic == Topic(device, "events") && match(m.Json), TimeSpan.FromSeconds(seconds), what, from);

    /// <summary>Waits for <paramref name="condition"/> (see <see cref="Eventually"/>), failing with the daemon and broker output.</summary>
    protected Task EventuallyAsync(Func<bool> condition, double seconds, string what) =>
        Eventually.WaitAsync(condition, TimeSpan.FromSeconds(seconds), what, Diagnostics);

    /// <summary>How many lines of the daemon's output contain <paramref name="text"/>.</summary>
    protected static int OutputLines(DaemonProcess daemon, string text) => daemon.Output.Split('\n').Count(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>What the daemon logs for each event it makes (`event anomaly {…}`), whether or not a broker is there to take it.</summary>
    protected const string EventLogLine = "] event ";

    /// <summary>What the daemon logs for each failed (re)connect attempt (`MQTT: …; retrying in 0.5 s.`).</summary>
    protected const string RetryLogLine = "; retrying in ";

    /// <summary>`ts` of the telemetry messages the probe received from <paramref name="from"/> on: the daemon's own clock at scoring.</summary>
    protected static List<long> TelemetryTs(MqttProbe probe, string device, int from = 0) =>
        [.. probe.On(Topic(device, "telemetry"), from).Select(m => (long)JsonAssert.Num(m.Json, "ts"))];

    /// <summary>
    /// Checks a telemetry rate on the daemon's own timestamps, not on arrival times at the probe. The daemon sends at
    /// most once per interval on its wall clock (100 ms ticks) and each message carries the `ts` of the newest scored
    /// window, so consecutive ts values are one interval apart give or take a window period and some scheduling:
    /// each gap must be at least the interval less <see cref="TelemetryTolerance"/> (at most one per interval), and
    /// the mean gap within [interval − 100 ms, interval + 450 ms] (the rate follows the setting, not an older one).
    /// </summary>
    protected void CheckTelemetryIntervals(IReadOnlyList<long> ts, double intervalSeconds, string when)
    {
        double interval = intervalSeconds * 1000;
        string all = $"ts: {string.Join(",", ts)}; gaps: {string.Join(",", ts.Zip(ts.Skip(1), (a, b) => b - a))}";
        Check(ts.Count >= 2, $"{when}: {ts.Count} telemetry messages, at least 2 needed to judge the rate");
        for (int i = 1; i < ts.Count; i++)
            Check(ts[i] > ts[i - 1] && ts[i] - ts[i - 1] >= interval - TelemetryTolerance,
                $"{when}: telemetry {i} came {ts[i] - ts[i - 1]} ms after the previous one on the daemon's clock (interval {interval} ms, tolerance {TelemetryTolerance} ms); {all}");
        double mean = (double)(ts[^1] - ts[0]) / (ts.Count - 1);
        Check(mean >= interval - 100 && mean <= interval + 450,
            $"{when}: mean telemetry interval {mean:F0} ms on the daemon's clock (setting {interval} ms; expected {interval - 100} to {interval + 450}); {all}");
    }

    /// <summary>One window period (85 ms at 12 kHz), one 100 ms telemetry tick and some scheduling slack.</summary>
    protected const double TelemetryTolerance = 250;

    /// <summary>`ts` of the first `monitoring` status the probe saw: when the daemon started scoring, on its clock.</summary>
    protected static long MonitoringSince(MqttProbe probe, string device) =>
        (long)JsonAssert.Num(probe.On(Topic(device, "status")).First(m => m.Json["state"]?.GetValue<string>() == "monitoring").Json, "ts");

    /// <summary>
    /// Waits until the daemon has scored windows for <paramref name="seconds"/> on its own clock: a telemetry message
    /// whose `ts` is that long after the first `monitoring` status.
    /// </summary>
    protected async Task<long> WaitScoredForAsync(MqttProbe probe, string device, double seconds)
    {
        long since = MonitoringSince(probe, device);
        Received m = await probe.WaitForAsync(m => m.Topic == Topic(device, "telemetry") && JsonAssert.Num(m.Json, "ts") >= since + seconds * 1000,
            TimeSpan.FromSeconds(30 + seconds), $"{device}: telemetry scored {seconds} s after monitoring began (daemon clock)");
        return (long)JsonAssert.Num(m.Json, "ts");
    }

    protected string Diagnostics()
    {
        var text = new StringBuilder();
        lock (_daemons)
            foreach (DaemonProcess d in _daemons) text.AppendLine(d.Describe());
        text.AppendLine($"--- broker ({(Broker?.IsMosquitto == true ? "mosquitto" : "in-process")}, port {Broker?.Port}) ---");
        text.AppendLine(Broker?.Log is { } log && log.Length > 4000 ? log[^4000..] : Broker?.Log);
        return text.ToString();
    }

    /// <summary>Assert with the daemon and broker output attached.</summary>
    protected void Check(bool condition, string message)
    {
        if (!condition) Assert.Fail($"{message}\n{Diagnostics()}");
    }
}

/// <summary>A fact that needs mosquitto itself (the in-process fallback does not publish wills the same way).</summary>
public sealed class MosquittoFactAttribute : FactAttribute
{
    public MosquittoFactAttribute()
    {
        if (!Broker.UseMosquitto) Skip = "mosquitto is not installed; MQTTnet's in-process server does not honour the will the same way (docs/PLATFORM-NOTES.md §1 pitfall 2)";
    }
}
