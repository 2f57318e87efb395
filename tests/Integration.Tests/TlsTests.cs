using SensorOdl.TestSupport;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SensorOdl.Integration.Tests.Infrastructure;

namespace SensorOdl.Integration.Tests;

/// <summary>
/// docs/CONTRACT.md §2 Mqtt: mqtts with a CA file, a client certificate, and a username with a password file,
/// against a mosquitto that requires all three.
/// </summary>
public sealed class TlsTests : IAsyncLifetime
{
    readonly string _root = Directory.CreateTempSubdirectory("sensorodl-tls-").FullName;
    readonly List<Process> _brokers = [];
    readonly System.Text.StringBuilder _brokerLog = new();
    readonly List<DaemonProcess> _daemons = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (DaemonProcess d in _daemons) await d.DisposeAsync();
        foreach (Process p in _brokers) { if (!p.HasExited) p.Kill(); p.Dispose(); }
        Directory.Delete(_root, recursive: true);
    }

    [MosquittoFact]
    public async Task The_daemon_connects_over_tls_with_a_client_certificate_and_a_password_file_and_is_refused_a_wrong_password()
    {
        WriteCertificates();
        File.WriteAllText(Path.Combine(_root, "password"), "s3cret\n");
        File.WriteAllText(Path.Combine(_root, "wrong-password"), "guess\n");
        RunTool("mosquitto_passwd", "-b", "-c", Path.Combine(_root, "passwd"), "device", "s3cret");
        int port = LocalServers.FreePort();
        File.WriteAllText(Path.Combine(_root, "mosquitto.conf"), string.Join('\n',
            Environment.UserName == "root" ? "user root" : "", // started as root it would drop to a user that cannot read these files
            $"listener {port}", // every interface: "localhost" (the certificate's name) may resolve to ::1
            $"cafile {_root}/ca.pem", $"certfile {_root}/server.pem", $"keyfile {_root}/server.key",
            "require_certificate true", "allow_anonymous false", $"password_file {_root}/passwd", "log_dest stdout", "log_type all", ""));
        Process broker = StartBroker();

        DaemonProcess good = Start(port, "password", "good");
        await Eventually.WaitAsync(() => good.Output.Contains("Connected to the MQTT broker."), TimeSpan.FromSeconds(30),
            "the daemon connects over TLS", () => $"{good.Describe()}\n--- mosquitto ---\n{BrokerLog}");

        DaemonProcess bad = Start(port, "wrong-password", "bad");
        await Eventually.WaitAsync(() => bad.Output.Contains("MQTT:"), TimeSpan.FromSeconds(30), "a connection error reported for the wrong password", bad.Describe);
        Assert.DoesNotContain("Connected to the MQTT broker.", bad.Output);
        // The broker's CONNACK says why (mosquitto's own "not authorised" log line can sit in its stdout buffer for long).
        await Eventually.WaitAsync(() => bad.Output.Contains("NotAuthorized"), TimeSpan.FromSeconds(10), "mosquitto refuses the wrong password",
            () => $"{bad.Describe()}\n--- mosquitto ---\n{BrokerLog}");
        Assert.False(broker.HasExited);
    }

    string BrokerLog { get { lock (_brokerLog) return _brokerLog.ToString(); } }

    DaemonProcess Start(int port, string passwordFile, string device)
    {
        DaemonProcess daemon = DaemonProcess.Start(
        [
            "run", $"--Mqtt:Uri=mqtts://localhost:{port}", $"--Mqtt:CaFile={_root}/ca.pem",
            $"--Mqtt:ClientCertFile={_root}/client.pem", $"--Mqtt:ClientKeyFile={_root}/client.key",
            "--Mqtt:Username=device", $"--Mqtt:PasswordFile={_root}/{passwordFile}",
            $"--Device:Id=tls-{device}", $"--Storage:StateDir={_root}/state-{device}",
        ]);
        _daemons.Add(daemon);
        return daemon;
    }

    Process StartBroker()
    {
        var info = new ProcessStartInfo(LocalServers.MosquittoPath!, ["-c", Path.Combine(_root, "mosquitto.conf")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process broker = Process.Start(info)!;
        broker.OutputDataReceived += (_, e) => { lock (_brokerLog) _brokerLog.AppendLine(e.Data); };
        broker.ErrorDataReceived += (_, e) => { lock (_brokerLog) _brokerLog.AppendLine(e.Data); };
        broker.BeginOutputReadLine();
        broker.BeginErrorReadLine();
        _brokers.Add(broker);
        return broker;
    }

    void WriteCertificates()
    {
        using RSA caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=sensorodl test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using X509Certificate2 ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllText(Path.Combine(_root, "ca.pem"), ca.ExportCertificatePem());

        Issue(ca, "server", "CN=localhost", server: true);
        Issue(ca, "client", "CN=device", server: false);
    }

    void Issue(X509Certificate2 ca, string name, string subject, bool server)
    {
        using RSA key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [server ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }
        byte[] serial = RandomNumberGenerator.GetBytes(8);
        using X509Certificate2 certificate = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(29), serial);
        File.WriteAllText(Path.Combine(_root, $"{name}.pem"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_root, $"{name}.key"), key.ExportPkcs8PrivateKeyPem());
    }

    static void RunTool(string tool, params string[] arguments)
    {
        string path = new[] { $"/usr/bin/{tool}", $"/usr/sbin/{tool}" }.FirstOrDefault(File.Exists) ?? tool;
        using Process process = Process.Start(new ProcessStartInfo(path, arguments) { RedirectStandardError = true })!;
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{tool} failed: {process.StandardError.ReadToEnd()}");
    }
}
