using System.Security.Cryptography;
using System.Text;

namespace SensorOdl.Daemon.Mqtt;

/// <summary>
/// The command signature of docs/CONTRACT.md §3 "Signed commands", shared by the daemon (which verifies) and
/// `sensorodl fleet` (which signs): the MQTT 5 user property `sig` = lowercase hex HMAC-SHA256(key, exact payload bytes).
/// </summary>
public static class CommandSignature
{
    public const string Property = "sig";

    /// <summary>The key of Security:CommandKeyFile (or `fleet --key-file`): the file's text, surrounding whitespace trimmed, as UTF-8.</summary>
    public static byte[] ReadKey(string file) => Encoding.UTF8.GetBytes(File.ReadAllText(file).Trim());

    public static string Sign(byte[] key, byte[] payload) => Convert.ToHexStringLower(HMACSHA256.HashData(key, payload));

    public static bool Verify(byte[] key, byte[] payload, string given) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(given), Encoding.ASCII.GetBytes(Sign(key, payload)));
}
