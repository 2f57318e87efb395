using System.Security.Cryptography;
using System.Text;
using SensorOdl.TestSupport;

namespace SensorOdl.Integration.Tests.Infrastructure;

/// <summary>
/// A locked-down mosquitto for the ACL and secrets tests: no anonymous clients, a password file, and the shipped ACL
/// (deploy/mosquitto/acl) plus what the test probes need (their `it-responses/…` response topics).
/// </summary>
public static class BrokerAccounts
{
    /// <summary>The mosquitto lines (written beside them into <paramref name="brokerDir"/>: password file and ACL).</summary>
    public static string Security(string brokerDir, IReadOnlyDictionary<string, string> users)
    {
        string passwords = Path.Combine(brokerDir, "passwd"), acl = Path.Combine(brokerDir, "acl");
        File.WriteAllLines(passwords, users.Select(u => $"{u.Key}:{Hash(u.Value)}"));
        string shipped = File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "mosquitto", "acl"));
        File.WriteAllText(acl, shipped + "\n# the test probes' response topics\nuser operator\ntopic readwrite it-responses/#\npattern write it-responses/#\n");
        return $"allow_anonymous false\npassword_file {passwords}\nacl_file {acl}\n";
    }

    /// <summary>mosquitto's salted SHA-512 password format: <c>$6$base64(salt)$base64(SHA-512(password + salt))</c>.</summary>
    static string Hash(string password)
    {
        byte[] salt = RandomNumberGenerator.GetBytes(12);
        byte[] hash = SHA512.HashData([.. Encoding.UTF8.GetBytes(password), .. salt]);
        return $"$6${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }
}
