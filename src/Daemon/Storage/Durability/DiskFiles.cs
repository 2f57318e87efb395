using Microsoft.Win32.SafeHandles;
using SensorOdl.Learning.Models;

namespace SensorOdl.Daemon.Storage.Durability;

/// <summary>The real disk: positional I/O on unbuffered file handles, fsync, and directory fsync on Linux (<see cref="ModelFile.SyncDirectory"/>).</summary>
public sealed class DiskFiles : IStorageFiles
{
    public static readonly DiskFiles Instance = new();

    public IStorageFile Open(string path) => new DiskFile(path);

    public bool Exists(string path) => File.Exists(path);

    public byte[] ReadAllBytes(string path) => File.ReadAllBytes(path);

    public void Delete(string path) => File.Delete(path);

    public void Move(string from, string to) => File.Move(from, to, overwrite: true);

    public void SyncDirectory(string directory) => ModelFile.SyncDirectory(directory);

    public void CreateDirectory(string directory)
    {
        string full = Path.GetFullPath(directory);
        if (Directory.Exists(full)) return;
        string? parent = Path.GetDirectoryName(full);
        if (parent is not null) CreateDirectory(parent);
        Directory.CreateDirectory(full);
        if (parent is not null) ModelFile.SyncDirectory(parent);
    }

    sealed class DiskFile : IStorageFile
    {
        // bufferSize 0: every write goes straight to the OS, so Flush(true) is exactly an fsync of what was written.
        readonly FileStream _stream;
        readonly SafeFileHandle _handle;

        public DiskFile(string path)
        {
            _stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0, FileOptions.RandomAccess);
            _handle = _stream.SafeFileHandle;
        }

        public long Length => RandomAccess.GetLength(_handle);
        public int Read(long position, Span<byte> buffer) => RandomAccess.Read(_handle, buffer, position);
        public void Write(long position, ReadOnlySpan<byte> data) => RandomAccess.Write(_handle, data, position);
        public void SetLength(long length) => _stream.SetLength(length);
        public void Sync() => _stream.Flush(flushToDisk: true);
        public void Dispose() => _stream.Dispose();
    }
}
