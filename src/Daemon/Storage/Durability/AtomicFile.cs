namespace SensorOdl.Daemon.Storage.Durability;

/// <summary>
/// Replaces a file so that after a power cut it holds either its old or its new content, never a mix:
/// temp file → fsync → rename → fsync of the directory. Once this returns, the new content is durable.
/// </summary>
public static class AtomicFile
{
    public static void Write(IStorageFiles files, string path, ReadOnlySpan<byte> bytes)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        files.CreateDirectory(directory);
        string temp = Path.Combine(directory, $".{Path.GetFileName(path)}.tmp");
        using (IStorageFile file = files.Open(temp))
        {
            file.SetLength(0);
            file.Write(0, bytes);
            file.Sync();
        }
        files.Move(temp, path);
        files.SyncDirectory(directory);
    }
}
