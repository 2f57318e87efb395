using System.Text;
using System.Text.RegularExpressions;

namespace SensorOdl.Integration.Tests.Infrastructure;

/// <summary>
/// The command flood of issue 10, as a hostile client would send it: 30 % well-formed envelopes with hostile args, 15 % wrong
/// top-level types, 10 % nesting up to 10,000 deep, 15 % random bytes, 15 % mutated JSON, 15 % status commands padded to
/// 10–200 kB. Every payload that names an id names a unique one (`fl-N`). Verbs that would change what the test watches
/// (pause, a valid set or retrain) are never sent well-formed.
/// </summary>
public static partial class HostileFlood
{
    public static List<byte[]> Generate(int count, int seed)
    {
        var random = new Random(seed);
        var payloads = new List<byte[]>(count);
        for (int i = 0; i < count; i++)
        {
            string id = $"fl-{i}";
            double pick = random.NextDouble();
            payloads.Add(pick switch
            {
                < 0.30 => Utf8(Envelope(random, id)),
                < 0.45 => Utf8(WrongType(random, id)),
                < 0.55 => Utf8(Deep(random, id)),
                < 0.70 => RandomBytes(random),
                < 0.85 => Mutate(random, Utf8(Envelope(random, id))),
                _ => Padded(random, id),
            });
        }
        return payloads;
    }

    /// <summary>The id the daemon can read from a payload (its rule: `"id":"…"` within the first 64 KiB), or null.</summary>
    public static string? ReadableId(byte[] payload)
    {
        Match m = IdPattern().Match(Encoding.UTF8.GetString(payload, 0, Math.Min(payload.Length, 64 * 1024)));
        return m.Success ? m.Groups[1].Value : null;
    }

    [GeneratedRegex("\"id\"\\s*:\\s*\"([^\"\\\\]{1,128})\"")]
    private static partial Regex IdPattern();

    static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    static readonly string[] HostileValues =
        ["-1", "0", "1e400", "-1e400", "123456789012345678901234567890", "\"NaN\"", "\"-Infinity\"", "null", "true", "[]", "{}", "\"\"",
         "\"\\ud800\"", "[[[[1]]]]", "{\"a\":{\"b\":1}}", "-9223372036854775809", "\"" + new string('z', 300) + "\""];

    static string Envelope(Random r, string id)
    {
        string verb = r.Next(6) switch { 0 => "status", 1 => "retrain", 2 => "rollback", 3 => "label", 4 => "set", _ => "self-destruct" };
        string[] names = ["epochs", "samples", "method", "version", "from", "to", "label", "key", "value", "unknown" + r.Next(100)];
        var args = new List<string>();
        for (int k = 0, n = 1 + r.Next(3); k < n; k++)
            args.Add($"\"{names[r.Next(names.Length)]}\":{HostileValues[r.Next(HostileValues.Length)]}");
        if (verb == "status" && r.Next(2) == 0) args.Clear(); // a plain, valid status now and then
        return $"{{\"id\":\"{id}\",\"command\":\"{verb}\",\"args\":{{{string.Join(",", args)}}},\"ts\":{HostileValues[r.Next(5)]},\"extra\":1}}";
    }

    static string WrongType(Random r, string id) => r.Next(5) switch
    {
        0 => $"[{{\"id\":\"{id}\",\"command\":\"status\"}}]",
        1 => $"\"{id}\"",
        2 => "42",
        3 => "null",
        _ => $"{{\"id\":{r.Next()},\"command\":[\"status\"],\"args\":\"{id}\"}}",
    };

    static string Deep(Random r, string id)
    {
        int depth = 1 + r.Next(10_000);
        return $"{{\"id\":\"{id}\",\"command\":\"status\",\"args\":{{\"a\":{new string('[', depth)}{new string(']', depth)}}}}}";
    }

    static byte[] RandomBytes(Random r)
    {
        var bytes = new byte[r.Next(1, 2000)];
        r.NextBytes(bytes);
        return bytes;
    }

    static byte[] Mutate(Random r, byte[] json)
    {
        var bytes = new List<byte>(json);
        for (int k = 0, n = 1 + r.Next(4); k < n && bytes.Count > 0; k++)
        {
            int at = r.Next(bytes.Count);
            switch (r.Next(4))
            {
                case 0: bytes[at] ^= (byte)(1 << r.Next(8)); break;
                case 1: bytes.InsertRange(at, [0xc3, 0x28]); break; // invalid UTF-8
                case 2: bytes.RemoveAt(at); break;
                default: bytes.RemoveRange(at, bytes.Count - at); break;
            }
        }
        return [.. bytes];
    }

    static byte[] Padded(Random r, string id)
    {
        int size = 10_000 + r.Next(190_001);
        string head = $"{{\"id\":\"{id}\",\"command\":\"status\",\"args\":{{\"pad\":\"";
        const string tail = "\"}}";
        return Utf8(head + new string('x', size - head.Length - tail.Length) + tail);
    }
}
