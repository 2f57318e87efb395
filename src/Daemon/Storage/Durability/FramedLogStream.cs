using System.Buffers.Binary;

namespace SensorOdl.Daemon.Storage.Durability;

/// <summary>
/// LiteDB's write-ahead log, stored so that a torn page is never believed. LiteDB 5 writes whole 8 KiB pages to
/// its log, appending, and confirms a transaction by a flag in the header of its last page: a page whose first
/// sector reached the disk and whose others did not would confirm garbage, and the garbage would land on pages
/// holding older, synced data. Here every page is stored as a frame with a trailer (magic, frame number, CRC-32C);
/// on open only the longest run of whole frames from the start is the log, the rest is cut off (and that cut
/// synced). LiteDB sees a plain stream of pages. Nothing reaches the disk until <see cref="Sync"/> (or a
/// truncation, which is synced at once so that frames of an older log can never come back).
/// </summary>
public sealed class FramedLogStream : ReadWriteSeekStream
{
    public const int PageSize = 8192;
    const int TrailerSize = 16, FrameSize = PageSize + TrailerSize;
    const uint Magic = 0x474C_4F53; // "SOLG"
    readonly IStorageFile _file;
    readonly byte[] _frame = new byte[FrameSize];
    long _frames;

    public FramedLogStream(IStorageFile file)
    {
        _file = file;
        _frames = WholeFramesFromStart();
        if (_file.Length != _frames * FrameSize)
        {
            DroppedTailBytes = _file.Length - _frames * FrameSize;
            _file.SetLength(_frames * FrameSize);
            _file.Sync();
        }
    }

    /// <summary>Bytes of torn or unconfirmed frames cut off the end when the log was opened.</summary>
    public long DroppedTailBytes { get; }

    long WholeFramesFromStart()
    {
        long frames = 0, length = _file.Length;
        while ((frames + 1) * FrameSize <= length)
        {
            if (_file.Read(frames * FrameSize, _frame) != FrameSize || !IsWhole(_frame, frames)) break;
            frames++;
        }
        return frames;
    }

    static bool IsWhole(ReadOnlySpan<byte> frame, long index)
    {
        ReadOnlySpan<byte> trailer = frame[PageSize..];
        return BinaryPrimitives.ReadUInt32LittleEndian(trailer) == Magic
            && BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]) == (uint)index
            && BinaryPrimitives.ReadUInt32LittleEndian(trailer[8..]) == Crc32C.Compute(frame[..(PageSize + 8)]);
    }

    public override long Length { get { lock (this) return _frames * PageSize; } }

    public override int Read(byte[] buffer, int offset, int count)
    {
        lock (this)
        {
            int read = 0;
            while (read < count)
            {
                long page = _position / PageSize;
                if (page >= _frames) break;
                int within = (int)(_position % PageSize);
                int n = Math.Min(count - read, PageSize - within);
                int got = _file.Read(page * FrameSize + within, buffer.AsSpan(offset + read, n));
                if (got <= 0) break;
                read += got;
                _position += got;
            }
            return read;
        }
    }

    /// <summary>Writes whole pages at page boundaries (all LiteDB writes to its log), at most one page past the end.</summary>
    public override void Write(byte[] buffer, int offset, int count)
    {
        lock (this)
        {
            if (_position % PageSize != 0 || count % PageSize != 0 || _position / PageSize > _frames)
                throw new NotSupportedException($"the framed log takes whole pages at page boundaries (write of {count} bytes at {_position}).");
            for (int done = 0; done < count; done += PageSize)
            {
                long index = _position / PageSize;
                buffer.AsSpan(offset + done, PageSize).CopyTo(_frame);
                Span<byte> trailer = _frame.AsSpan(PageSize);
                BinaryPrimitives.WriteUInt32LittleEndian(trailer, Magic);
                BinaryPrimitives.WriteUInt32LittleEndian(trailer[4..], (uint)index);
                BinaryPrimitives.WriteUInt32LittleEndian(trailer[8..], Crc32C.Compute(_frame.AsSpan(0, PageSize + 8)));
                BinaryPrimitives.WriteUInt32LittleEndian(trailer[12..], 0);
                _file.Write(index * FrameSize, _frame);
                _frames = Math.Max(_frames, index + 1);
                _position += PageSize;
            }
        }
    }

    /// <summary>Only shortens (LiteDB empties its log after a checkpoint); synced at once.</summary>
    public override void SetLength(long value)
    {
        lock (this)
        {
            if (value % PageSize != 0 || value / PageSize > _frames) throw new NotSupportedException($"the framed log can only be shortened to a page boundary (to {value}).");
            _frames = value / PageSize;
            _file.SetLength(_frames * FrameSize);
            _file.Sync();
        }
    }

    /// <summary>Makes every page written so far durable.</summary>
    public void Sync()
    {
        lock (this) _file.Sync();
    }

    public override void Flush() => Sync();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _file.Dispose();
        base.Dispose(disposing);
    }
}
