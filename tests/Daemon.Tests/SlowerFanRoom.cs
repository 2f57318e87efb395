using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// bench/synthetic-rooms.py OUT mix050:0.5 --fan-speed 0.75, in C#: the shared fan data's quiet-room (silentA) recordings
/// with the fan's frequencies moved by 0.75 (a slower fan), and the same moved recordings heard in a room "mix050" — the
/// noisy room's background with the fan standing still, at half amplitude, added in power. Bit for bit what the script
/// writes (the same interpolation, mixing and background offsets), so a matrix here reproduces the benchmark's pairs.
/// </summary>
static class SlowerFanRoom
{
    const int Bins = 512;
    const double FanSpeed = 0.75, Alpha = 0.5;
    const string Room = "mix050";

    /// <summary>Writes silentA and mix050 recordings (normal and damaged) and their manifest into <paramref name="output"/>.</summary>
    public static void Write(string data, string output)
    {
        JsonArray recordings = JsonNode.Parse(File.ReadAllText(Path.Combine(data, "manifest.json")))!["recordings"]!.AsArray();
        List<float[]> background = BackgroundPool(data, recordings);
        var written = new JsonArray();
        foreach (JsonNode? recording in recordings)
        {
            if ((string)recording!["env"]! != "silentA") continue;
            string file = (string)recording["file"]!;
            float[][] quiet = [.. ReadFrames(Path.Combine(data, file)).Select(Moved)];
            WriteFrames(Path.Combine(output, file), quiet);
            written.Add(recording.DeepClone());

            int offset = (int)(Convert.ToUInt32(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Room + file)))[..8], 16) % (uint)background.Count);
            float[][] mixed = [.. quiet.Select((q, i) => Mix(q, background[(offset + i) % background.Count]))];
            string roomFile = file.Replace("silentA", Room);
            WriteFrames(Path.Combine(output, roomFile), mixed);
            JsonNode entry = recording.DeepClone();
            entry["file"] = roomFile;
            entry["env"] = Room;
            written.Add(entry);
        }
        File.WriteAllText(Path.Combine(output, "manifest.json"), new JsonObject { ["dataset"] = "slower-fan-room", ["recordings"] = written }.ToJsonString());
    }

    /// <summary>The noisy room's frames with the fan standing still (speed o, and the o segments of the hmlo takes).</summary>
    static List<float[]> BackgroundPool(string data, JsonArray recordings)
    {
        var pool = new List<float[]>();
        foreach (JsonNode? r in recordings)
        {
            if ((string)r!["env"]! != "noisy" || (string)r["state"]! != "normal") continue;
            float[][] frames = ReadFrames(Path.Combine(data, (string)r["file"]!));
            if ((string)r["speed"]! == "o") pool.AddRange(frames);
            else if ((string)r["speed"]! == "hmlo")
                foreach (JsonNode? s in r["segments"]?.AsArray() ?? [])
                    if ((string)s!["speed"]! == "o") pool.AddRange(frames[(int)s["from"]!..(int)s["to"]!]);
        }
        return pool;
    }

    /// <summary>Bin b takes the amplitude at b / <see cref="FanSpeed"/>, linearly interpolated (above the band, the top bin's).</summary>
    static float[] Moved(float[] frame)
    {
        var moved = new float[Bins];
        for (int b = 1; b < Bins; b++)
        {
            double x = Math.Min(b / FanSpeed, Bins - 1.0);
            int lo = Math.Max((int)x, 1), hi = Math.Min(lo + 1, Bins - 1);
            double t = Math.Min(Math.Max(x - lo, 0.0), 1.0);
            moved[b] = (float)((1 - t) * frame[lo] + t * frame[hi]);
        }
        return moved;
    }

    static float[] Mix(float[] quiet, float[] background)
    {
        var mixed = new float[Bins];
        for (int b = 1; b < Bins; b++)
        {
            double q = quiet[b], n = Alpha * background[b];
            mixed[b] = (float)Math.Sqrt(q * q + n * n);
        }
        return mixed;
    }

    static float[][] ReadFrames(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        float[] values = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return [.. values.Chunk(Bins)];
    }

    static void WriteFrames(string path, float[][] frames)
    {
        float[] values = [.. frames.SelectMany(f => f)];
        byte[] bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        File.WriteAllBytes(path, bytes);
    }
}
