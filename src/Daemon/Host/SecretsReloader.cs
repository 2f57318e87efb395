using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Mqtt;
using SensorOdl.Daemon.Pipeline;

namespace SensorOdl.Daemon.Host;

/// <summary>
/// Re-reads the secrets without a restart (docs/RELIABILITY.md §3): on SIGHUP (`systemctl reload sensorodl`) and when a
/// file changes (polled every <see cref="PollInterval"/>; a stat, no inotify watch). A new MQTT password, client
/// certificate or CA is applied by reconnecting at once; a new command key is used at once and the previous one is still
/// accepted for Security:KeyOverlapMinutes. One <c>secrets_reloaded {what}</c> event names what changed, never its
/// contents. A file that cannot be read or used keeps the old secret, with a warning.
/// </summary>
public sealed class SecretsReloader(DaemonSettings settings, MqttLink? link, CommandKeys? keys, IEventSink sink, TimeProvider time, ILogger log)
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);
    public const string MqttPassword = "mqttPassword", MqttTls = "mqttTls", CommandKey = "commandKey";

    readonly SecretFiles _files = new SecretFiles()
        .Add(MqttPassword, settings.Mqtt.PasswordFile)
        .Add(MqttTls, settings.Mqtt.CaFile, settings.Mqtt.ClientCertFile, settings.Mqtt.ClientKeyFile)
        .Add(CommandKey, settings.Security.CommandKeyFile);
    readonly SemaphoreSlim _hangup = new(0, 1);

    public async Task RunAsync(CancellationToken cancellation)
    {
        if (!_files.Any) return;
        using PosixSignalRegistration? registration = OnHangup();
        while (!cancellation.IsCancellationRequested)
        {
            bool signalled;
            try { signalled = await _hangup.WaitAsync(PollInterval, cancellation); }
            catch (OperationCanceledException) { return; }
            if (signalled) log.LogInformation("SIGHUP: reading the secrets again.");
            Reload(readAll: signalled);
        }
    }

    PosixSignalRegistration? OnHangup()
    {
        try
        {
            return PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true; // SIGHUP means reload here, not terminate
                try { _hangup.Release(); }
                catch (SemaphoreFullException) { } // a reload is already due
            });
        }
        catch (PlatformNotSupportedException)
        {
            return null; // no SIGHUP (Windows): the poll alone finds changed files
        }
    }

    /// <summary>Applies what changed; returns the names of what was reloaded (the event's <c>what</c>).</summary>
    public IReadOnlyList<string> Reload(bool readAll)
    {
        var applied = new List<string>();
        foreach (string group in _files.Changed(readAll))
        {
            try
            {
                if (group == CommandKey && keys is not null)
                {
                    byte[] key = CommandSignature.ReadKey(settings.Security.CommandKeyFile!);
                    if (key.Length == 0) throw new InvalidDataException("the key file is empty");
                    if (!keys.Rotate(key)) continue;
                }
                else if (group is MqttPassword or MqttTls && link is not null)
                {
                    link.Reload(settings.Mqtt);
                }
                else continue;
                applied.Add(group);
            }
            catch (Exception e)
            {
                // The message of a parse failure names the file, never its contents.
                log.LogWarning("The changed {What} could not be used ({Error}); the previous one stays in use.", group, e.GetType().Name);
            }
        }
        if (applied.Count > 0)
        {
            log.LogInformation("Reloaded secrets: {What}.", string.Join(", ", applied));
            sink.Emit("secrets_reloaded", time.GetUtcNow().ToUnixTimeMilliseconds(), new JsonObject
            {
                ["what"] = new JsonArray([.. applied.Select(a => (JsonNode?)JsonValue.Create(a))]),
                ["keyOverlapMinutes"] = applied.Contains(CommandKey) ? settings.Security.KeyOverlapMinutes : null,
            });
        }
        return applied;
    }
}
