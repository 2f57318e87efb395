using System.Collections.Concurrent;
using LiteDB;

namespace SensorOdl.Daemon.Storage;

/// <summary>
/// The one LiteDB file of a state directory. LiteDB 5 binds transactions to a thread and never fsyncs a
/// commit (ECOSYSTEM.md §4), so every write runs on one dedicated writer thread inside its own transaction,
/// and writes that must survive a power cut ask for a checkpoint. Reads may come from any thread.
/// </summary>
public sealed class StateDatabase : IDisposable
{
    public const string FileName = "sensorodl.db";
    readonly BlockingCollection<WriteRequest> _writes = new();
    readonly Thread _writer;

    StateDatabase(string path)
    {
        Path = path;
        Database = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct });
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "state-writer" };
        _writer.Start();
    }

    public string Path { get; }
    /// <summary>For reads. Writes go through <see cref="WriteAsync"/>.</summary>
    public LiteDatabase Database { get; }

    public static StateDatabase Open(string stateDirectory)
    {
        Directory.CreateDirectory(stateDirectory);
        return new StateDatabase(System.IO.Path.Combine(stateDirectory, FileName));
    }

    /// <summary>Runs <paramref name="write"/> in one transaction on the writer thread; checkpoints after it when asked.</summary>
    public Task WriteAsync(Action<LiteDatabase> write, bool checkpoint = false)
    {
        var request = new WriteRequest(write, checkpoint, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        try { _writes.Add(request); }
        catch (InvalidOperationException) { throw new ObjectDisposedException(nameof(StateDatabase)); }
        return request.Done.Task;
    }

    public void Write(Action<LiteDatabase> write, bool checkpoint = false) => WriteAsync(write, checkpoint).GetAwaiter().GetResult();

    void WriteLoop()
    {
        foreach (WriteRequest request in _writes.GetConsumingEnumerable())
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
                if (request.Checkpoint) Database.Checkpoint();
                request.Done.SetResult();
            }
            catch (Exception e)
            {
                request.Done.SetException(e);
            }
        }
    }

    public void Dispose()
    {
        _writes.CompleteAdding();
        _writer.Join();
        Database.Dispose();
        _writes.Dispose();
    }

    sealed record WriteRequest(Action<LiteDatabase> Write, bool Checkpoint, TaskCompletionSource Done);
}
