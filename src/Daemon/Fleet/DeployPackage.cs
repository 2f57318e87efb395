using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using SensorOdl.Learning.Models;

namespace SensorOdl.Daemon.Fleet;

/// <summary>
/// A base model file cut into the chunks of `deploy` commands (docs/CONTRACT.md §3): each chunk's bytes in base64 with
/// its SHA-256, and with every chunk the transfer id, the count, the size and the whole file's SHA-256. The transfer id
/// is made from the file's hash and the chunk count, so the same file sent again — by this tool after an interruption,
/// or by another operator — continues the transfer a device already holds instead of starting over.
/// </summary>
public sealed class DeployPackage
{
    public const int DefaultChunkKb = 32;
    /// <summary>The device's limit: a chunk in base64 and its envelope must fit one 64 KiB command.</summary>
    public const int MaxChunkKb = 47;

    DeployPackage(string path, byte[] bytes, int chunkBytes)
    {
        Path = path;
        Bytes = bytes;
        ChunkBytes = chunkBytes;
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Count = (bytes.Length + chunkBytes - 1) / chunkBytes;
    }

    public string Path { get; }
    public byte[] Bytes { get; }
    public int ChunkBytes { get; }
    public string Sha256 { get; }
    public int Count { get; }
    public string Transfer => $"b{Sha256[..16]}c{Count.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Reads <paramref name="path"/>; a file that cannot be read or is not a base model file is a <see cref="FleetException"/>.</summary>
    public static DeployPackage Read(string path, int chunkKb)
    {
        if (chunkKb is < 1 or > MaxChunkKb) throw new ArgumentOutOfRangeException(nameof(chunkKb), $"chunks are 1 to {MaxChunkKb} KiB");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FleetException($"cannot read the model file {path} ({e.Message.TrimEnd('.')}).");
        }
        try
        {
            if (ModelFile.Deserialize(bytes, $"model file {path}").Kind != ModelKind.Base)
                throw new FleetException($"{path} holds adapters, not a base model; deploy a file from 'sensorodl train --model-out'.");
        }
        catch (ModelFormatException e)
        {
            throw new FleetException($"{path} is not a base model file: {e.Message.TrimEnd('.')}.");
        }
        return new DeployPackage(System.IO.Path.GetFullPath(path), bytes, chunkKb * 1024);
    }

    /// <summary>The args every command of this transfer carries; alone, they ask where the transfer stands.</summary>
    public JsonObject Query() => new() { ["transfer"] = Transfer, ["count"] = Count, ["size"] = Bytes.Length, ["sha256"] = Sha256 };

    public ReadOnlySpan<byte> Chunk(int index) =>
        Bytes.AsSpan(index * ChunkBytes, Math.Min(ChunkBytes, Bytes.Length - index * ChunkBytes));

    /// <summary>The args of chunk <paramref name="index"/>.</summary>
    public JsonObject ChunkArgs(int index)
    {
        ReadOnlySpan<byte> chunk = Chunk(index);
        JsonObject args = Query();
        args["index"] = index;
        args["chunkSha256"] = Convert.ToHexStringLower(SHA256.HashData(chunk));
        args["data"] = Convert.ToBase64String(chunk);
        return args;
    }
}
