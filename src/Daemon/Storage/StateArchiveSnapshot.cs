using SensorOdl.Daemon.Storage.Durability;

namespace SensorOdl.Daemon.Storage;

/// <summary>
/// A consistent copy of a state directory's database files, taken while a daemon may be writing them and without
/// its lock. The writer changes the files in only two ways (Storage/Durability): it appends whole frames to the
/// framed log, and at a checkpoint it writes log pages home into the data file (journal first) and only then
/// empties the log. So the log is read, then the data file and the journal, then the log again: when the first
/// read is a prefix of the second, no checkpoint finished in between, every page the data file may have received
/// meanwhile is still in the copied log (which LiteDB reads before the data file), and a torn last frame or an
/// unconfirmed transaction at its end is dropped when the copy is opened. Otherwise the copy is taken again.
/// The copy is opened as a private state directory; nothing in the source is written or locked.
/// </summary>
static class StateArchiveSnapshot
{
    const int Attempts = 50;

    /// <summary>Copies the database files of <paramref name="stateDirectory"/> into the empty <paramref name="copyDirectory"/>.</summary>
    public static void Copy(string stateDirectory, string copyDirectory)
    {
        string Source(string name) => Path.Combine(stateDirectory, name);
        if (File.Exists(Source(LegacyLog.FileName)))
            throw new StateArchiveException($"the state in {stateDirectory} is of the previous release (format 1); start the daemon of this release once, then export.");
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            byte[] logBefore = ReadShared(Source(StateDatabase.LogFileName));
            Directory.CreateDirectory(copyDirectory);
            CopyShared(Source(StateDatabase.FileName), Path.Combine(copyDirectory, StateDatabase.FileName));
            CopyShared(Source(StateDatabase.JournalFileName), Path.Combine(copyDirectory, StateDatabase.JournalFileName));
            CopyShared(Source(HighWaterMarks.FileName), Path.Combine(copyDirectory, HighWaterMarks.FileName));
            byte[] logAfter = ReadShared(Source(StateDatabase.LogFileName));
            if (!logAfter.AsSpan().StartsWith(logBefore)) continue; // a checkpoint emptied the log meanwhile
            File.WriteAllBytes(Path.Combine(copyDirectory, StateDatabase.LogFileName), logAfter);
            return;
        }
        throw new IOException($"the state in {stateDirectory} kept changing during {Attempts} attempts to copy it; try again.");
    }

    /// <summary>The log's bytes as the page cache has them (a daemon's unsynced writes included), or none when absent.</summary>
    static byte[] ReadShared(string path)
    {
        var bytes = new MemoryStream();
        CopyShared(path, bytes);
        return bytes.ToArray();
    }

    /// <summary>Copies a file the daemon may be writing, streamed (the data file may be large); an absent file is left absent.</summary>
    static void CopyShared(string path, string destination)
    {
        using var target = new FileStream(destination, FileMode.Create, FileAccess.Write);
        if (!CopyShared(path, target)) { target.Dispose(); File.Delete(destination); }
    }

    static bool CopyShared(string path, Stream destination)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
            stream.CopyTo(destination, 1 << 16);
            return true;
        }
        catch (FileNotFoundException) { return false; }
    }
}
