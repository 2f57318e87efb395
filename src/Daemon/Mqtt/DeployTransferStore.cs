namespace SensorOdl.Daemon.Mqtt;

/// <summary>
/// The device's one transfer in progress, under `{state}/deploy/{transfer}/` (<see cref="DeployTransfer"/>). At most one
/// at a time, which bounds the disk it takes to `Model:MaxDeployBytes`: another transfer may take its place only after
/// this one has been idle for <see cref="ReplaceAfterIdle"/> (a sender that went away), else `busy`. A transfer found
/// on start continues; one idle for <see cref="StaleAfter"/> is removed then.
/// </summary>
public sealed class DeployTransferStore
{
    public const string DirectoryName = "deploy";
    public static readonly TimeSpan ReplaceAfterIdle = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan StaleAfter = TimeSpan.FromDays(1);
    readonly string _root;
    readonly TimeProvider _time;
    DeployTransfer? _current;
    long _touched;

    public DeployTransferStore(string stateDirectory, TimeProvider time)
    {
        _root = Path.Combine(stateDirectory, DirectoryName);
        _time = time;
        _touched = time.GetTimestamp();
        if (!Directory.Exists(_root)) return;
        foreach (string directory in Directory.EnumerateDirectories(_root).OrderByDescending(Directory.GetLastWriteTimeUtc))
        {
            DeployTransfer? found = _current is null && DateTime.UtcNow - Directory.GetLastWriteTimeUtc(directory) < StaleAfter
                ? DeployTransfer.Load(directory) : null;
            if (found is not null) _current = found;
            else TryDelete(directory);
        }
    }

    /// <summary>The transfer in progress, if any.</summary>
    public DeployTransfer? Current => _current;

    /// <summary>
    /// The transfer <paramref name="header"/> names: the one in progress (its header must be the same), or a new one
    /// in place of an idle one. `busy` while another transfer is still being sent.
    /// </summary>
    public DeployTransfer Open(DeployHeader header)
    {
        if (_current is { } current)
        {
            if (current.Header.Transfer == header.Transfer)
            {
                if (current.Header != header)
                    throw CommandError.BadArgs($"transfer {header.Transfer} was started with count {current.Header.Count}, size {current.Header.Size}, sha256 {current.Header.Sha256[..12]}…; use another transfer id for another file");
                Touch();
                return current;
            }
            TimeSpan idle = _time.GetElapsedTime(_touched);
            if (idle < ReplaceAfterIdle)
                throw new CommandError("busy", $"transfer {current.Header.Transfer} is in progress ({current.Received} of {current.Header.Count} chunks, idle {idle.TotalSeconds:0} s); another may start after {ReplaceAfterIdle.TotalSeconds:0} s idle");
            current.Delete();
        }
        _current = DeployTransfer.Create(Path.Combine(_root, header.Transfer), header);
        Touch();
        return _current;
    }

    /// <summary>The transfer ended (installed, or refused as a whole): its files go.</summary>
    public void Remove(DeployTransfer transfer)
    {
        transfer.Delete();
        if (ReferenceEquals(_current, transfer)) _current = null;
    }

    void Touch() => _touched = _time.GetTimestamp();

    static void TryDelete(string directory)
    {
        try { Directory.Delete(directory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
