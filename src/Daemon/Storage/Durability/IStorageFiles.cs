namespace SensorOdl.Daemon.Storage.Durability;

/// <summary>
/// The file layer every write of the state directory goes through: LiteDB's data and log, the journal, the
/// high-water marks and the model files. <see cref="DiskFiles"/> is the real disk; the power-cut tests put a
/// layer here that keeps what was not synced in a volatile buffer and drops or tears it at a cut.
/// Nothing written is durable until <see cref="IStorageFile.Sync"/>; no create, rename or delete is durable
/// until <see cref="SyncDirectory"/> of its directory.
/// </summary>
public interface IStorageFiles
{
    /// <summary>Opens a file for reading and writing, creating it when absent.</summary>
    IStorageFile Open(string path);
    bool Exists(string path);
    /// <exception cref="FileNotFoundException">the file is absent.</exception>
    byte[] ReadAllBytes(string path);
    /// <summary>Deletes a file; nothing happens when it is absent.</summary>
    void Delete(string path);
    /// <summary>Renames a file, replacing the target (atomic on one file system).</summary>
    void Move(string from, string to);
    /// <summary>Makes the creates, renames and deletes in a directory durable.</summary>
    void SyncDirectory(string directory);
    /// <summary>Creates a directory (and its parents) durably.</summary>
    void CreateDirectory(string directory);
}

/// <summary>One open file: positional reads and writes, explicit sync.</summary>
public interface IStorageFile : IDisposable
{
    long Length { get; }
    /// <summary>Reads up to <c>buffer.Length</c> bytes at <paramref name="position"/>; returns how many (0 at the end).</summary>
    int Read(long position, Span<byte> buffer);
    void Write(long position, ReadOnlySpan<byte> data);
    void SetLength(long length);
    /// <summary>Flushes the file's data and size to the storage device (fsync).</summary>
    void Sync();
}
