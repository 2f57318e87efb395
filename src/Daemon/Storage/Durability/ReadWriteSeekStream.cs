namespace SensorOdl.Daemon.Storage.Durability;

/// <summary>
/// What the state files' streams share: readable, writable, seekable, and a position moved by <see cref="Seek"/> that
/// each subclass's Read and Write advance. The subclass says how long it is.
/// </summary>
public abstract class ReadWriteSeekStream : Stream
{
    protected long _position;

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => true;
    public override long Position { get => _position; set => _position = value; }

    public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => Length + offset,
    };
}
