using System.Collections.Concurrent;
using LiteDB;

namespace SensorOdl.Daemon.Storage;

/// <summary>
/// The one LiteDB file of a state directory. LiteDB 5 binds transactions to a thread and never fsyncs a
/// commit (docs/PLATFORM-NOTES.md §4), so every write runs on one dedicated writer thread inside its own transaction,
/// and writes that must survive a power cut ask for a checkpoint. Reads may come from any thread.
/// </summary>
public sealed class StateDatabase : IDisposable
{
    public const string FileName = "sensorodl.db";
    readonly BlockingCollection<WriteRequest> _writes = new();
    readonly Thread _writer;

    readonly FileStream _lock;

    StateDatabase(string path, FileStream processLock)
    {
        _lock = processLock;
        Path = path;
        Database = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct });
        PrepareMappers();
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "state-writer" };
        _writer.Start();
    }

    public string Path { get; }
    /// <summary>For reads. Writes go through <see cref="WriteAsync"/>.</summary>
    public LiteDatabase Database { get; }

    /// <summary>
    /// Opens the state of a directory for this process alone. LiteDB's Direct mode does not stop a second
    /// process from opening the same file, so an exclusive lock file (flock on Linux) does.
    /// </summary>
    public static StateDatabase Open(string stateDirectory)
    {
        Directory.CreateDirectory(stateDirectory);
        string lockPath = System.IO.Path.Combine(stateDirectory, "sensorodl.lock");
        FileStream processLock;
        try
        {
            processLock = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new StateBusyException($"the state directory {System.IO.Path.GetFullPath(stateDirectory)} is in use by another sensorodl process (is the daemon running?).");
        }
        try
        {
            return new StateDatabase(System.IO.Path.Combine(stateDirectory, FileName), processLock);
        }
        catch
        {
            processLock.Dispose();
            throw;
        }
    }

    // LiteDB's BsonMapper builds a type's mapping lazily and not thread-safely ("Collection was modified" when two
    // threads meet a type for the first time), so every stored type is mapped once here, on one thread.
    void PrepareMappers()
    {
        Database.Mapper.TrimWhitespace = false; // LiteDB trims strings by default: a reply's topic "a/b " must stay itself
        Prepare<ModelVersionRecord>();
        Prepare<RegistryPointer>();
        Prepare<OutboxMessage>();
        Prepare<EventRecord>();
        Prepare<SampleRecord>();
        Prepare<Counter>();
        Prepare<SeenCommand>();
        Prepare<CacheDocument>();
    }

    void Prepare<T>() where T : new() => Database.Mapper.ToObject<T>(Database.Mapper.ToDocument(new T()));

    /// <summary>
    /// A write that nobody waits for failed (the disk is full, the file is damaged). The writer thread raises
    /// it; the daemon logs it. Writes that are waited for report their failure to the caller instead.
    /// </summary>
    public event Action<Exception>? WriteFailed;

    /// <summary>Runs <paramref name="write"/> in one transaction on the writer thread; completes when it is committed (and checkpointed, when asked).</summary>
    public Task WriteAsync(Action<LiteDatabase> write, bool checkpoint = false)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(new WriteRequest(write, checkpoint, error =>
        {
            if (error is null) done.SetResult();
            else done.SetException(error);
        }));
        return done.Task;
    }

    /// <summary>The same for a synchronous caller: hands the write to the writer thread and blocks until it is committed; rethrows its failure.</summary>
    public void Write(Action<LiteDatabase> write, bool checkpoint = false)
    {
        using var committed = new ManualResetEventSlim();
        Exception? failure = null;
        Enqueue(new WriteRequest(write, checkpoint, error =>
        {
            failure = error;
            committed.Set();
        }));
        committed.Wait();
        if (failure is not null) throw new IOException($"writing the state database failed: {failure.Message}", failure);
    }

    /// <summary>Queues a write nobody waits for (sample batches, forward-cache entries, events); a failure raises <see cref="WriteFailed"/>.</summary>
    public void Post(Action<LiteDatabase> write, Action? committed = null) =>
        Enqueue(new WriteRequest(write, Checkpoint: false, error =>
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
        foreach (WriteRequest request in _writes.GetConsumingEnumerable())
        {
            Exception? failure = null;
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
                if (request.Checkpoint) Database.Checkpoint();
            }
            catch (Exception e)
            {
                failure = e;
            }
            request.Completed(failure);
        }
    }

    public void Dispose()
    {
        _writes.CompleteAdding();
        _writer.Join();
        Database.Dispose();
        _writes.Dispose();
        _lock.Dispose();
    }

    sealed record WriteRequest(Action<LiteDatabase> Write, bool Checkpoint, Action<Exception?> Completed);
}
