using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace SensorOdl.Daemon.Bench;

/// <summary>A named float32 tensor as the benchmark peers read it.</summary>
public sealed record PeerTensor(string Name, int[] Shape, float[] Values);

/// <summary>
/// The tensors the benchmark hands to its peers (bench/peers/*.py): "SODLTNS1", int32 count, then per tensor
/// int32 name length, UTF-8 name, int32 rank, int32 dims…, float32 values; all little-endian. Simple enough
/// for a reader in a few lines of Python's standard library.
/// </summary>
public static class PeerTensorFile
{
    static readonly byte[] Magic = "SODLTNS1"u8.ToArray();

    public static void Write(string path, IEnumerable<PeerTensor> tensors)
    {
        PeerTensor[] all = [.. tensors];
        using var writer = new BinaryWriter(File.Create(path)); // BinaryWriter is little-endian on every platform
        writer.Write(Magic);
        writer.Write(all.Length);
        foreach (PeerTensor t in all)
        {
            if (t.Shape.Aggregate(1L, (a, d) => a * d) != t.Values.Length)
                throw new ArgumentException($"tensor {t.Name}: shape [{string.Join(", ", t.Shape)}] does not hold {t.Values.Length} values");
            byte[] name = Encoding.UTF8.GetBytes(t.Name);
            writer.Write(name.Length);
            writer.Write(name);
            writer.Write(t.Shape.Length);
            foreach (int d in t.Shape) writer.Write(d);
            foreach (float v in t.Values) writer.Write(v);
        }
    }

    public static IReadOnlyList<PeerTensor> Read(string path)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Reading peer tensors needs a little-endian host.");
        byte[] bytes = File.ReadAllBytes(path);
        var tensors = new List<PeerTensor>();
        int at = 0;
        ReadOnlySpan<byte> Take(int n)
        {
            if (n < 0 || at + n > bytes.Length) throw new InvalidDataException($"{path} is truncated.");
            at += n;
            return bytes.AsSpan(at - n, n);
        }
        int Int() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));
        if (!Take(Magic.Length).SequenceEqual(Magic)) throw new InvalidDataException($"{path} is not a SensorOdl tensor file.");
        int count = Int();
        for (int i = 0; i < count; i++)
        {
            string name = Encoding.UTF8.GetString(Take(Int()));
            var shape = new int[Int()];
            for (int d = 0; d < shape.Length; d++) shape[d] = Int();
            int size = checked((int)shape.Aggregate(1L, (a, d) => a * d));
            float[] values = MemoryMarshal.Cast<byte, float>(Take(checked(size * 4))).ToArray();
            tensors.Add(new PeerTensor(name, shape, values));
        }
        if (at != bytes.Length) throw new InvalidDataException($"{path} has {bytes.Length - at} bytes after its last tensor.");
        return tensors;
    }
}
