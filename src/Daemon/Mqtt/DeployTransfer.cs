using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SensorOdl.Daemon.Mqtt;

/// <summary>What every `deploy` command of one transfer names: the whole file it builds (docs/CONTRACT.md §3 deploy).</summary>
public sealed partial record DeployHeader(string Transfer, int Count, long Size, string Sha256)
{
    /// <summary>A chunk's raw bytes: its base64 (4/3 as long) and the envelope must fit the 64 KiB command limit.</summary>
    public const int MaxChunkBytes = 47 * 1024;
    public const int MaxCount = 100_000;

    /// <summary>Checks the header against the device's limit; a refusal is a <see cref="CommandError"/> with the contract's code.</summary>
    public void Check(long maxBytes)
    {
        if (!TransferPattern().IsMatch(Transfer)) throw CommandError.BadArgs("'transfer' must be 1–64 letters, digits, '-', '_' or '.'");
        if (!Sha256Pattern().IsMatch(Sha256)) throw CommandError.BadArgs("'sha256' must be 64 lowercase hex digits");
        if (Size < 1) throw CommandError.BadArgs("'size' must be at least 1");
        if (Size > maxBytes) throw new CommandError("too_large", $"the model is {Size} bytes; this device takes at most {maxBytes} (Model:MaxDeployBytes)");
        long fewest = (Size + MaxChunkBytes - 1) / MaxChunkBytes;
        if (Count < fewest || Count > Math.Min(Size, MaxCount))
            throw CommandError.BadArgs($"'count' {Count} cannot carry {Size} bytes in chunks of 1 to {MaxChunkBytes} bytes");
    }

    public JsonObject ToJson() => new() { ["transfer"] = Transfer, ["count"] = Count, ["size"] = Size, ["sha256"] = Sha256 };

    public static DeployHeader? FromJson(JsonObject? json) =>
        json?["transfer"]?.GetValue<string>() is { } transfer && json["count"]?.GetValue<int>() is int count
        && json["size"]?.GetValue<long>() is long size && json["sha256"]?.GetValue<string>() is { } sha
            ? new DeployHeader(transfer, count, size, sha) : null;

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex TransferPattern();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    internal static partial Regex Sha256Pattern();
}

/// <summary>
/// One base-model transfer being assembled in its own folder: `transfer.json` (the header) and one file per received
/// chunk, named by its index and the first 16 hex digits of its SHA-256, written to a temporary name and renamed. So
/// a transfer left half-way survives a restart (<see cref="Load"/> keeps only chunk files whose content matches their
/// name), a chunk sent twice is stored once, and only <see cref="Assemble"/> — when every chunk is there — reads them
/// back, checking the size and the whole file's SHA-256. Chunks are never held in memory between commands.
/// </summary>
public sealed class DeployTransfer
{
    const string HeaderFile = "transfer.json", ChunkSuffix = ".chunk";
    readonly string _directory;
    readonly SortedDictionary<int, (string Hash, int Length)> _chunks = [];

    DeployTransfer(string directory, DeployHeader header)
    {
        _directory = directory;
        Header = header;
    }

    public DeployHeader Header { get; }
    public int Received => _chunks.Count;
    public long Bytes => _chunks.Values.Sum(c => (long)c.Length);
    public bool Complete => _chunks.Count == Header.Count;

    /// <summary>The lowest index not received yet; null when every chunk is there.</summary>
    public int? Next
    {
        get
        {
            int expected = 0;
            foreach (int index in _chunks.Keys)
            {
                if (index != expected) return expected;
                expected++;
            }
            return expected < Header.Count ? expected : null;
        }
    }

    /// <summary>A new, empty transfer in <paramref name="directory"/> (created; anything in it before is removed).</summary>
    public static DeployTransfer Create(string directory, DeployHeader header)
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        Directory.CreateDirectory(directory);
        WriteAtomically(Path.Combine(directory, HeaderFile), System.Text.Encoding.UTF8.GetBytes(header.ToJson().ToJsonString()));
        return new DeployTransfer(directory, header);
    }

    /// <summary>A transfer left in <paramref name="directory"/> by an earlier run, or null when its header cannot be read.</summary>
    public static DeployTransfer? Load(string directory)
    {
        DeployHeader? header;
        try { header = DeployHeader.FromJson(JsonNode.Parse(File.ReadAllBytes(Path.Combine(directory, HeaderFile))) as JsonObject); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
        if (header is null) return null;
        var transfer = new DeployTransfer(directory, header);
        foreach (string path in Directory.EnumerateFiles(directory, "*" + ChunkSuffix))
        {
            string[] parts = Path.GetFileNameWithoutExtension(path).Split('-');
            byte[] data;
            try { data = File.ReadAllBytes(path); }
            catch (IOException) { continue; }
            string hash = Hash(data);
            // A chunk cut short by a power cut (renamed, not yet written back) no longer matches its name: dropped, sent again.
            if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int index)
                && index < header.Count && hash.StartsWith(parts[1], StringComparison.Ordinal) && data.Length > 0)
                transfer._chunks[index] = (hash, data.Length);
            else TryDelete(path);
        }
        return transfer;
    }

    /// <summary>
    /// Stores chunk <paramref name="index"/> after checking it against <paramref name="chunkSha256"/>; false when that very
    /// chunk was already stored (a re-sent chunk changes nothing). A bad chunk is refused (`bad_chunk`) and nothing is stored.
    /// </summary>
    public bool Add(int index, byte[] data, string chunkSha256)
    {
        if (index < 0 || index >= Header.Count) throw CommandError.BadArgs($"'index' must be from 0 to {Header.Count - 1}");
        if (data.Length is 0 or > DeployHeader.MaxChunkBytes) throw new CommandError("bad_chunk", $"chunk {index} holds {data.Length} bytes; a chunk holds 1 to {DeployHeader.MaxChunkBytes}");
        string hash = Hash(data);
        if (hash != chunkSha256) throw new CommandError("bad_chunk", $"chunk {index} does not match its chunkSha256 (damaged on the way?); send it again");
        if (_chunks.TryGetValue(index, out var stored))
            return stored.Hash == hash ? false : throw new CommandError("bad_chunk", $"chunk {index} was already received with other content");
        if (Bytes + data.Length > Header.Size) throw new CommandError("bad_chunk", $"chunk {index} would make the transfer longer than its size, {Header.Size} bytes");
        WriteAtomically(ChunkPath(index, hash), data);
        _chunks[index] = (hash, data.Length);
        return true;
    }

    /// <summary>The whole file, once every chunk is there; `checksum_mismatch` when its size or SHA-256 is not the header's.</summary>
    public byte[] Assemble()
    {
        if (!Complete) throw new InvalidOperationException($"transfer {Header.Transfer} still misses chunk {Next}.");
        var bytes = new byte[Bytes];
        int offset = 0;
        foreach ((int index, (string hash, int length)) in _chunks)
        {
            byte[] chunk = File.ReadAllBytes(ChunkPath(index, hash));
            if (chunk.Length != length || Hash(chunk) != hash)
            {
                _chunks.Remove(index);
                TryDelete(ChunkPath(index, hash));
                throw new CommandError("bad_chunk", $"stored chunk {index} changed on disk; send it again");
            }
            chunk.CopyTo(bytes, offset);
            offset += length;
        }
        if (bytes.Length != Header.Size)
            throw new CommandError("checksum_mismatch", $"the {Header.Count} chunks hold {bytes.Length} bytes, not the {Header.Size} announced");
        if (Hash(bytes) != Header.Sha256)
            throw new CommandError("checksum_mismatch", $"the assembled file's SHA-256 is not {Header.Sha256[..12]}…: the chunks do not make the file announced");
        return bytes;
    }

    public void Delete()
    {
        try { Directory.Delete(_directory, recursive: true); }
        catch (DirectoryNotFoundException) { }
        catch (IOException) { }
        _chunks.Clear();
    }

    public static string Hash(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    string ChunkPath(int index, string hash) =>
        Path.Combine(_directory, $"{index.ToString("D5", CultureInfo.InvariantCulture)}-{hash[..16]}{ChunkSuffix}");

    static void WriteAtomically(string path, byte[] bytes)
    {
        string temporary = path + ".tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
    }
}
