using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;

namespace SensorOdl.Daemon.Tests.Fuzz;

/// <summary>
/// CsCheck generators of what a hostile or broken client sends: JSON text built from hostile parts (wrong types, huge
/// and non-finite numbers, negative epochs, unknown fields, long strings, lone surrogates, deep nesting) and byte-level
/// damage to it (invalid UTF-8, flips, cuts), plus plain random bytes.
/// </summary>
static class HostileGen
{
    static readonly byte[][] InvalidUtf8 = [[0xff], [0xc3, 0x28], [0xe2, 0x28, 0xa1], [0xf0, 0x90, 0x28, 0xbc], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]];

    public static readonly Gen<string> ShortText = Gen.Char.Array[0, 24].Select(cs => new string(cs));

    /// <summary>A JSON string literal; System.Text.Json escapes lone surrogates, and some are written raw-escaped on purpose.</summary>
    public static readonly Gen<string> StringLiteral = Gen.Frequency(
        (8, ShortText.Select(s => JsonSerializer.Serialize(s))),
        (1, Gen.OneOf(Gen.Const("\"\\ud800\""), Gen.Const("\"\\udfff\\ud800\""), Gen.Const("\"\\u0000\""), Gen.Const("\"\""))),
        (1, Gen.Int[129, 3000].Select(n => "\"" + new string('y', n) + "\"")));

    public static readonly Gen<string> Number = Gen.OneOf(
        Gen.Int.Select(i => i.ToString(CultureInfo.InvariantCulture)),
        Gen.Long.Select(l => l.ToString(CultureInfo.InvariantCulture)),
        Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "1e999"),
        Gen.Int[-5, 5].Select(i => i.ToString(CultureInfo.InvariantCulture)),
        Gen.OneOf<string>("1e400", "-1e400", "1e-400", "123456789012345678901234567890", "-0", "0.5", "-1", "9007199254740993", "1E+2"));

    public static readonly Gen<string> Scalar = Gen.Frequency(
        (4, Number),
        (3, StringLiteral),
        (1, Gen.OneOf<string>("null", "true", "false", "[]", "{}", "\"NaN\"", "\"Infinity\"", "\"-1\"", "\"1e400\"", "[1,2]", "{\"a\":1}")));

    /// <summary>Nesting up to 10,000 levels, of arrays or objects.</summary>
    public static readonly Gen<string> Deep = Gen.Select(Gen.Int[1, 10_000], Gen.Bool, (n, arrays) => arrays
        ? new string('[', n) + new string(']', n)
        : new StringBuilder().Insert(0, "{\"a\":", n).Append("1").Append('}', n).ToString());

    static readonly string[] Verbs = ["status", "retrain", "rollback", "label", "pause", "resume", "set"];
    static readonly string[] ArgNames = ["method", "epochs", "samples", "version", "from", "to", "label", "key", "value"];

    static readonly Gen<string> ArgValue = Gen.Frequency(
        (6, Scalar),
        (1, Gen.OneOf<string>("\"skip2-lora\"", "\"lora-all\"", "\"fault\"", "\"normal\"", "\"Adaptation:Mode\"", "\"Anomaly:FalseAlarmBudget\"",
            "\"Mqtt:TelemetryIntervalSeconds\"", "\"auto\"", "\"off\"", "0.1", "16", "1")),
        (1, Deep.Select(d => d.Length > 200 ? d[..200] : d)));

    static readonly Gen<string> ArgName = Gen.Frequency((5, Gen.OneOf<string>(ArgNames)), (1, ShortText));

    public static readonly Gen<string> Args = Gen.Frequency(
        (6, Gen.Select(ArgName, ArgValue).Array[0, 4].Select(pairs => "{" + string.Join(",", pairs.Select(p => JsonSerializer.Serialize(p.Item1) + ":" + p.Item2)) + "}")),
        (1, Scalar),
        (1, Deep));

    /// <summary>A command envelope, each part well formed or hostile, some missing, with unknown fields.</summary>
    public static readonly Gen<string> Envelope = Gen.Select(
        Gen.Frequency((6, Gen.Int[0, 1_000_000].Select(i => $"\"f-{i}\"")), (1, Scalar), (1, Gen.Const("\"\""))),
        Gen.Frequency((6, Gen.OneOf<string>(Verbs).Select(v => $"\"{v}\"")), (1, StringLiteral), (1, Scalar)),
        Gen.Frequency((1, Gen.Const((string?)null)), (4, Args.Select(a => (string?)a))),
        Gen.Frequency((1, Gen.Const((string?)null)), (1, Number.Select(n => (string?)n))),
        Gen.Frequency((3, Gen.Const((string?)null)), (1, Gen.Select(ShortText, Scalar, (k, v) => (string?)(JsonSerializer.Serialize("x" + k) + ":" + v)))),
        Gen.Int[0, 15],
        (id, command, args, ts, extra, drop) =>
        {
            var parts = new List<string>();
            if ((drop & 1) == 0 || drop == 15) parts.Add("\"id\":" + id);
            if ((drop & 2) == 0 || drop == 15) parts.Add("\"command\":" + command);
            if (args is not null) parts.Add("\"args\":" + args);
            if (ts is not null) parts.Add("\"ts\":" + ts);
            if (extra is not null) parts.Add(extra);
            return "{" + string.Join(",", parts) + "}";
        });

    /// <summary>Byte damage: flips, invalid UTF-8 sequences, insertions, deletions, a cut.</summary>
    public static readonly Gen<byte[]> Mutated = Gen.Select(Envelope, Gen.Select(Gen.Int[0, 4], Gen.Int, Gen.Byte).Array[1, 6], (json, edits) =>
    {
        var bytes = new List<byte>(Encoding.UTF8.GetBytes(json!));
        foreach ((int kind, int where, byte value) in edits)
        {
            int at = bytes.Count == 0 ? 0 : (int)((uint)where % (uint)bytes.Count);
            switch (kind)
            {
                case 0 when bytes.Count > 0: bytes[at] ^= (byte)(1 << (value % 8)); break;
                case 1: bytes.InsertRange(at, InvalidUtf8[value % InvalidUtf8.Length]); break;
                case 2: bytes.Insert(at, value); break;
                case 3 when bytes.Count > 0: bytes.RemoveAt(at); break;
                case 4: bytes.RemoveRange(at, bytes.Count - at); break;
            }
        }
        return bytes.ToArray();
    });

    /// <summary>A status command padded with an unknown argument: 10–200 kB (over the 64 KiB limit from there).</summary>
    public static readonly Gen<byte[]> Padded = Gen.Int[10_000, 200_000].Select(size => PaddedStatus($"pad-{size}", size));

    public static byte[] PaddedStatus(string id, int size)
    {
        string head = $"{{\"id\":\"{id}\",\"command\":\"status\",\"args\":{{\"pad\":\"";
        const string tail = "\"}}";
        return Encoding.UTF8.GetBytes(head + new string('x', Math.Max(0, size - head.Length - tail.Length)) + tail);
    }

    /// <summary>The issue's mix, plus 1 MB strings.</summary>
    public static readonly Gen<byte[]> Payload = Gen.Frequency(
        (30, Envelope.Select(Encoding.UTF8.GetBytes)),
        (15, Gen.Frequency((3, Scalar), (1, Envelope.Select(e => "[" + e + "]"))).Select(Encoding.UTF8.GetBytes)),
        (10, Gen.Frequency((2, Deep), (1, Deep.Select(d => "{\"id\":\"deep\",\"command\":\"status\",\"args\":{\"a\":" + d + "}}"))).Select(Encoding.UTF8.GetBytes)),
        (15, Gen.Byte.Array[0, 600]),
        (15, Mutated),
        (12, Padded),
        (3, Gen.Int[1_000_000, 1_100_000].Select(n => Encoding.UTF8.GetBytes("{\"id\":\"big\",\"command\":\"set\",\"args\":{\"key\":\"" + new string('k', n) + "\"}}"))));
}
