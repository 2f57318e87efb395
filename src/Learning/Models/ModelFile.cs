using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SensorOdl.Learning.FineTuning;
using SensorOdl.Learning.Layers;

namespace SensorOdl.Learning.Models;

/// <summary>
/// The model file format, version 1, little-endian:
/// <code>
/// magic "SODLMODL" (8) | format version u16 | kind u8 | header length u32 | header JSON (UTF-8)
/// | payload length u64 | payload: every tensor's float32 values in header order | SHA-256 of all the above (32)
/// </code>
/// The header JSON is {layers, tensors: [{name, shape}], metadata}. Anything truncated, altered or of
/// another version is refused with a <see cref="ModelFormatException"/> naming the problem.
/// </summary>
public static partial class ModelFile
{
    public const ushort FormatVersion = 1;
    static readonly byte[] Magic = "SODLMODL"u8.ToArray();
    const int ChecksumBytes = 32;

    sealed record TensorHeader(string Name, int[] Shape);
    sealed record Header(IReadOnlyList<LayerSpec> Layers, IReadOnlyList<TensorHeader> Tensors, IReadOnlyDictionary<string, string> Metadata);

    public static byte[] Serialize(ModelDocument document)
    {
        var header = new Header(document.Layers, [.. document.Tensors.Select(t => new TensorHeader(t.Name, t.Shape))], document.Metadata);
        byte[] headerBytes = JsonSerializer.SerializeToUtf8Bytes(header, HeaderJson.Default.Header);
        long payloadBytes = document.Tensors.Sum(t => (long)t.Values.Length * sizeof(float));
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write((byte)document.Kind);
            writer.Write(headerBytes.Length);
            writer.Write(headerBytes);
            writer.Write(payloadBytes);
            foreach (NamedTensor tensor in document.Tensors)
            {
                int expected = tensor.Shape.Aggregate(1, (a, b) => a * b);
                if (expected != tensor.Values.Length) throw new ArgumentException($"tensor {tensor.Name}: {tensor.Values.Length} values for its shape");
                writer.Write(MemoryMarshal.AsBytes(tensor.Values.AsSpan()));
            }
        }
        byte[] checksum = SHA256.HashData(stream.GetBuffer().AsSpan(0, (int)stream.Length));
        stream.Write(checksum);
        return stream.ToArray();
    }

    public static ModelDocument Deserialize(ReadOnlySpan<byte> bytes, string source = "model file")
    {
        int fixedPrefix = Magic.Length + 2 + 1 + 4;
        if (bytes.Length < fixedPrefix + 8 + ChecksumBytes || !bytes[..Magic.Length].SequenceEqual(Magic))
            throw new ModelFormatException($"{source} is not a SensorOdl model file (bad magic or too short).");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]);
        if (version != FormatVersion)
            throw new ModelFormatException($"{source} has format version {version}; this build reads version {FormatVersion}.");
        ReadOnlySpan<byte> body = bytes[..^ChecksumBytes];
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes[^ChecksumBytes..]))
            throw new ModelFormatException($"{source} is truncated or corrupted (checksum mismatch).");

        var kind = (ModelKind)bytes[10];
        if (kind is not (ModelKind.Base or ModelKind.Adapters)) throw new ModelFormatException($"{source} has unknown kind {(byte)kind}.");
        int headerLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[11..]);
        if (headerLength < 0 || fixedPrefix + headerLength + 8 > body.Length) throw new ModelFormatException($"{source} has a header that runs past its end.");
        Header header;
        try
        {
            header = JsonSerializer.Deserialize(bytes.Slice(fixedPrefix, headerLength), HeaderJson.Default.Header)
                ?? throw new ModelFormatException($"{source} has an empty header.");
        }
        catch (JsonException e) { throw new ModelFormatException($"{source} has an unreadable header ({e.Message})."); }

        int offset = fixedPrefix + headerLength;
        long payloadLength = BinaryPrimitives.ReadInt64LittleEndian(bytes[offset..]);
        offset += 8;
        if (payloadLength != body.Length - offset) throw new ModelFormatException($"{source} payload is {body.Length - offset} bytes, its header says {payloadLength}.");
        var tensors = new List<NamedTensor>();
        foreach (TensorHeader t in header.Tensors ?? [])
        {
            long room = (body.Length - offset) / sizeof(float);
            if (t.Shape is not { } shape || shape.Any(d => d < 0)) throw new ModelFormatException($"{source}: tensor {t.Name} has no valid shape.");
            // Multiplied with a cap, so that a hostile shape cannot overflow past the check.
            long count = shape.Aggregate(1L, (a, b) => b == 0 ? 0 : a > room ? a : a * b);
            if (count > room)
                throw new ModelFormatException($"{source}: tensor {t.Name} does not fit in the payload.");
            var values = new float[count];
            body.Slice(offset, (int)count * sizeof(float)).CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
            offset += (int)count * sizeof(float);
            tensors.Add(new NamedTensor(t.Name, shape, values));
        }
        if (offset != body.Length) throw new ModelFormatException($"{source} has {body.Length - offset} bytes no tensor accounts for.");
        return new ModelDocument(kind, header.Layers ?? [], tensors, header.Metadata ?? new Dictionary<string, string>());
    }

    /// <summary>
    /// Writes atomically — temp file, fsync, rename, fsync of the directory — so that after a power cut the path holds
    /// the old file or the new one, whole; returns the file's SHA-256 in hex. (The daemon's state directory writes
    /// its model files through its own file layer, Storage/Durability/AtomicFile, the same way.)
    /// </summary>
    public static string Write(string path, ModelDocument document)
    {
        byte[] bytes = Serialize(document);
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        string temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        SyncDirectory(directory);
        return Hash(bytes);
    }

    /// <summary>
    /// fsync of a directory, which makes the creates, renames and deletes in it durable. .NET has none: on Linux it is
    /// libc's open + fsync (O_RDONLY alone opens a directory; O_DIRECTORY's value differs between x86-64 and ARM);
    /// elsewhere a no-op (Windows and macOS are development machines here, not devices).
    /// </summary>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux()) return;
        int fd = OpenDirectory(directory, 0);
        if (fd < 0) throw new IOException($"cannot open the directory {directory} to sync it (errno {Marshal.GetLastPInvokeError()}).");
        try
        {
            if (FsyncDirectory(fd) != 0) throw new IOException($"fsync of the directory {directory} failed (errno {Marshal.GetLastPInvokeError()}).");
        }
        finally
        {
            _ = CloseDirectory(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenDirectory(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncDirectory(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseDirectory(int fd);

    /// <summary>Reads and verifies a model file; returns its document and its content hash.</summary>
    public static (ModelDocument Document, string Hash) Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException($"model file {path} cannot be read ({e.Message}).");
        }
        return (Deserialize(bytes, $"model file {path}"), Hash(bytes));
    }

    public static string Hash(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
