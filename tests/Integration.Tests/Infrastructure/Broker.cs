using SensorOdl.TestSupport;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MQTTnet.Server;

namespace SensorOdl.Integration.Tests.Infrastructure;

/// <summary>
/// The broker the daemon and the probes talk to: mosquitto from PATH (or /usr/sbin/mosquitto) on a free
/// loopback port with a generated configuration, or an in-process MQTTnet server when mosquitto is absent
/// (which does not honour the will the same way: docs/PLATFORM-NOTES.md §1 pitfall 2). Can be stopped and started again
/// on the same port, for the outage tests.
/// </summary>
public abstract class Broker : IAsyncDisposable
{
    public int Port { get; protected init; }
    public abstract bool IsMosquitto { get; }
    public abstract bool Running { get; }
    public string Uri => $"mqtt://127.0.0.1:{Port}";

    public abstract Task StopAsync();
    public abstract Task StartAsync();
    public abstract string Log { get; }

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAsync();
    }

    public abstract ValueTask DisposeAsync();

    /// <summary>mosquitto only: SIGHUP, so that it reads its password file and ACL again (connected clients stay).</summary>
    public virtual void ReloadConfiguration() => throw new NotSupportedException("only mosquitto reloads its configuration");

    /// <summary>mosquitto when installed, unless SENSORODL_IT_BROKER=inprocess asks for the fallback (to exercise it).</summary>
    public static bool UseMosquitto => LocalServers.MosquittoPath is not null && Environment.GetEnvironmentVariable("SENSORODL_IT_BROKER") != "inprocess";

    /// <param name="persistent">mosquitto keeps sessions (and their queued QoS 1 messages) across its own restart.</param>
    /// <param name="security">mosquitto lines that replace `allow_anonymous true` (password and ACL files: <see cref="BrokerSecurity"/>).</param>
    public static async Task<Broker> StartNewAsync(string workDir, bool persistent = false, string? security = null)
    {
        Broker broker = UseMosquitto ? new MosquittoBroker(LocalServers.MosquittoPath!, workDir, persistent, security) : new InProcessBroker();
        await broker.StartAsync();
        return broker;
    }


    protected static async Task WaitListeningAsync(int port, TimeSpan timeout, Func<string> diagnostics)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
            catch (SocketException)
            {
                throw new InvalidOperationException($"the broker does not listen on {port} after {timeout.TotalSeconds} s: {diagnostics()}");
            }
        }
    }
}

sealed class MosquittoBroker : Broker
{
    readonly string _executable;
    readonly string _config;
    readonly StringBuilder _log = new();
    readonly string _logFile;
    Process? _process;

    public MosquittoBroker(string executable, string workDir, bool persistent, string? security = null)
    {
        _executable = executable;
        Port = LocalServers.FreePort();
        Directory.CreateDirectory(workDir);
        _config = Path.Combine(workDir, "mosquitto.conf");
        string persistence = persistent
            ? $"persistence true\npersistence_location {workDir}/\npersistence_file mosquitto.db\nautosave_interval 0\n"
            : "persistence false\n";
        _logFile = Path.Combine(workDir, "mosquitto.log");
        string logTypes = Environment.GetEnvironmentVariable("SENSORODL_IT_BROKER_DEBUG") == "1" ? "log_type all\n" : "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n";
        // Started as root, mosquitto switches to the `mosquitto` user and could then not write its log or its
        // persistence file into our temp dir; keep our own identity instead.
        string user = Environment.UserName == "root" ? "user root\n" : "";
        File.WriteAllText(_config,
            $"{user}listener {Port} 127.0.0.1\n{security ?? "allow_anonymous true\n"}{persistence}log_dest file {_logFile}\nlog_timestamp_format %H:%M:%S\n{logTypes}");
    }

    public override bool IsMosquitto => true;
    public override bool Running => _process is { HasExited: false };
    public override string Log
    {
        get
        {
            string file = "";
            try { if (File.Exists(_logFile)) file = File.ReadAllText(_logFile); }
            catch (IOException) { }
            lock (_log) return file + _log;
        }
    }

    public override async Task StartAsync()
    {
        var info = new ProcessStartInfo(_executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(_config);
        _process = Process.Start(info) ?? throw new InvalidOperationException("mosquitto did not start");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitListeningAsync(Port, TimeSpan.FromSeconds(10), () => Log);
    }

    public override void ReloadConfiguration()
    {
        if (_process is { HasExited: false } process) Signals.Hangup(process.Id);
    }

    /// <summary>SIGTERM, as an operator would stop it; mosquitto then saves its persistence file.</summary>
    public override async Task StopAsync()
    {
        if (_process is not { HasExited: false } process) return;
        Signals.Terminate(process.Id);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { process.Kill(); await process.WaitForExitAsync(); }
        process.Dispose();
        _process = null;
    }

    public override async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        _process?.Dispose();
        _process = null;
    }
}

sealed class InProcessBroker : Broker
{
    readonly MqttServer _server;

    public InProcessBroker()
    {
        Port = LocalServers.FreePort();
        var factory = new MqttServerFactory();
        MqttServerOptions options = factory.CreateServerOptionsBuilder().WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback).WithDefaultEndpointPort(Port)
            .WithPersistentSessions().Build();
        _server = factory.CreateMqttServer(options);
    }

    public override bool IsMosquitto => false;
    public override bool Running => _server.IsStarted;
    public override string Log => "(in-process MQTTnet server)";

    public override async Task StartAsync()
    {
        await _server.StartAsync();
        await WaitListeningAsync(Port, TimeSpan.FromSeconds(10), () => Log);
    }

    public override async Task StopAsync()
    {
        if (_server.IsStarted) await _server.StopAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await StopAsync();
        _server.Dispose();
    }
}
