using System.Collections.Concurrent;
using LiteDB;
using SensorOdl.Daemon.Storage.Durability;

namespace SensorOdl.Daemon.Storage;

/// <summary>
/// The one LiteDB database of a state directory. LiteDB 5 binds transactions to a thread, so every write runs on
/// one dedicated writer thread inside its own transaction; reads may come from any thread. LiteDB never syncs a
/// commit (docs/PLATFORM-NOTES.md §4), so its files are opened through <see cref="IStorageFiles"/> as a framed log
/// and a journaled data file (Storage/Durability): a write that must survive a power cut asks to be durable, and
/// the writer syncs the log once for all such writes it committed in a row (group commit) before it reports any
/// of them done. Everything else (samples, cache entries) becomes durable with the next durable write.
/// docs/RELIABILITY.md states the promise.
/// </summary>
public sealed class StateDatabase : IDisposable
{
    public const string FileName = "sensorodl.db";
    public const string LogFileName = "sensorodl.wal", JournalFileName = "sensorodl.journal";
    const int GroupCommitLimit = 64;
    /// <summary>
    /// Log pages (8 kB) after which LiteDB copies the log into the data file. LiteDB's default, 1,000 (8 MB), let its
    /// page cache grow to ~13 MB of pages touched since the last checkpoint; 100 keeps it near 5 MB for ~1.4× the bytes
    /// written (docs/BENCHMARKS.md, "Memory with a full sample store"). Stored in the data file's header (a pragma).
    /// </summary>
    public const int CheckpointPages = 100;
    readonly BlockingCollection<WriteRequest> _writes = new();
    readonly Thread _writer;
    readonly FileStream? _lock;
    readonly JournaledDataStream _data;
    readonly FramedLogStream _log;

    StateDatabase(string stateDirectory, IStorageFiles files, FileStream? processLock, TimeProvider time)
    {
        _lock = processLock;
        Directory = stateDirectory;
        Files = files;
        Path = System.IO.Path.Combine(stateDirectory, FileName);
        LegacyLog.FoldIn(files, stateDirectory);
        Marks = HighWaterMarks.Open(files, stateDirectory);
        try
        {
            (Database, _data, _log) = OpenFiles();
        }
        catch (Exception e) when (StateRecovery.IsDamage(e))
        {
            Recovery = StateRecovery.MoveAside(files, stateDirectory, e, time);
            (Database, _data, _log) = OpenFiles();
            StateRecovery.Seed(this, Recovery);
        }
        // After a kill -9 the page cache may hold commits that never reached the disk: they are made durable before
        // anything read from this state is announced.
        _log.Sync();
        _data.Sync();
        if (Database.CheckpointSize != CheckpointPages) Database.CheckpointSize = CheckpointPages;
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "state-writer" };
        _writer.Start();
    }

    (LiteDatabase, JournaledDataStream, FramedLogStream) OpenFiles()
    {
        string Named(string name) => System.IO.Path.Combine(Directory, name);
        bool created = !Files.Exists(Path) || !Files.Exists(Named(LogFileName)) || !Files.Exists(Named(JournalFileName));
        var log = new FramedLogStream(Files.Open(Named(LogFileName)));
        var data = new JournaledDataStream(Files.Open(Path), Files.Open(Named(JournalFileName)), log.Sync);
        try
        {
            if (created) Files.SyncDirectory(Directory);
            return (new LiteDatabase(data, mapper: null, logStream: log), data, log);
        }
        catch
        {
            data.Dispose();
            log.Dispose();
            throw;
        }
    }

    public string Path { get; }
    public string Directory { get; }
    /// <summary>The file layer of this state directory (model files are written through it too).</summary>
    public IStorageFiles Files { get; }
    /// <summary>The synced side file of high-water marks.</summary>
    public HighWaterMarks Marks { get; }
    /// <summary>Set when the database could not be opened and was moved aside for a new one.</summary>
    public StateRecoveryReport? Recovery { get; }
    /// <summary>For reads. Writes go through <see cref="WriteAsync"/>.</summary>
    public LiteDatabase Database { get; }

    /// <summary>
    /// Opens the state of a directory for this process alone. LiteDB's Direct mode does not stop a second
    /// process from opening the same file, so an exclusive lock file (flock on Linux) does. <paramref name="files"/>
    /// is the real disk unless a test gives another file layer (then there is no process lock).
    /// </summary>
    public static StateDatabase Open(string stateDirectory, IStorageFiles? files = null, TimeProvider? time = null)
    {
        files ??= DiskFiles.Instance;
        FileStream? processLock = null;
        if (files is DiskFiles)
        {
            files.CreateDirectory(stateDirectory);
            string lockPath = System.IO.Path.Combine(stateDirectory, "sensorodl.lock");
            try
            {
                processLock = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                throw new StateBusyException($"the state directory {System.IO.Path.GetFullPath(stateDirectory)} is in use by another sensorodl process (is the daemon running?).");
            }
        }
        try
        {
            return new StateDatabase(stateDirectory, files, processLock, time ?? TimeProvider.System);
        }
        catch
        {
            processLock?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A write that nobody waits for failed (the disk is full, the file is damaged). The writer thread raises
    /// it; the daemon logs it. Writes that are waited for report their failure to the caller instead.
    /// </summary>
    public event Action<Exception>? WriteFailed;

    /// <summary>Counts the log syncs (the SD-card write budget counts them).</summary>
    public long Syncs => Interlocked.Read(ref _syncs);
    long _syncs;

    /// <summary>
    /// Runs <paramref name="write"/> in one transaction on the writer thread; completes when it is committed — and,
    /// when <paramref name="durable"/>, on the disk.
    /// </summary>
    public Task WriteAsync(Action<LiteDatabase> write, bool durable = false)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(new WriteRequest(write, durable, error =>
        {
            if (error is null) done.SetResult();
            else done.SetException(error);
        }));
        return done.Task;
    }

    /// <summary>The same for a synchronous caller: hands the write to the writer thread and blocks until it is done; rethrows its failure.</summary>
    public void Write(Action<LiteDatabase> write, bool durable = false)
    {
        using var committed = new ManualResetEventSlim();
        Exception? failure = null;
        Enqueue(new WriteRequest(write, durable, error =>
        {
            failure = error;
            committed.Set();
        }));
        committed.Wait();
        if (failure is not null) throw new IOException($"writing the state database failed: {failure.Message}", failure);
    }

    /// <summary>
    /// Queues a write nobody waits for; <paramref name="committed"/> runs once it is committed (and on the disk,
    /// when <paramref name="durable"/>); a failure raises <see cref="WriteFailed"/>.
    /// </summary>
    public void Post(Action<LiteDatabase> write, Action? committed = null, bool durable = false) =>
        Enqueue(new WriteRequest(write, durable, error =>
        {
            if (error is not null) WriteFailed?.Invoke(error);
            else committed?.Invoke();
        }));

    void Enqueue(WriteRequest request)
    {
        try { _writes.Add(request); }
        catch (InvalidOperationException) { throw new ObjectDisposedException(nameof(StateDatabase)); }
    }

    void WriteLoop()
    {
        var batch = new List<(WriteRequest Request, Exception? Failure)>();
        foreach (WriteRequest first in _writes.GetConsumingEnumerable())
        {
            batch.Add((first, Commit(first)));
            while (batch.Count < GroupCommitLimit && _writes.TryTake(out WriteRequest? next)) batch.Add((next, Commit(next)));
            if (batch.Exists(b => b.Request.Durable && b.Failure is null))
            {
                try
                {
                    _log.Sync();
                    Interlocked.Increment(ref _syncs);
                }
                catch (Exception e)
                {
                    for (int i = 0; i < batch.Count; i++)
                        if (batch[i].Request.Durable && batch[i].Failure is null) batch[i] = (batch[i].Request, e);
                }
            }
            foreach ((WriteRequest request, Exception? failure) in batch) request.Completed(failure);
            batch.Clear();
        }
    }

    Exception? Commit(WriteRequest request)
    {
        try
        {
            Database.BeginTrans();
            try
            {
                request.Write(Database);
                Database.Commit();
            }
            catch
            {
                Database.Rollback();
                throw;
            }
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    public void Dispose()
    {
        _writes.CompleteAdding();
        _writer.Join();
        Database.Dispose();
        _data.Dispose();
        _log.Dispose();
        _writes.Dispose();
        _lock?.Dispose();
    }

    sealed record WriteRequest(Action<LiteDatabase> Write, bool Durable, Action<Exception?> Completed);
}
