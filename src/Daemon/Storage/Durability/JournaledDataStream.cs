using System.Buffers.Binary;
using System.Security.Cryptography;

namespace SensorOdl.Daemon.Storage.Durability;

/// <summary>
/// LiteDB's data file, written so that a power cut never leaves a torn page in it. LiteDB writes its data file
/// only at a checkpoint (log pages copied home, then one flush) and when it creates the file. Here those writes
/// are held in memory until the flush, written first to a journal (pages, then a SHA-256 of the whole journal),
/// which is synced, then in place, which is synced, and the journal emptied. Opening replays a journal whose hash
/// holds (the in-place writes may have been torn) and ignores one whose hash does not (they never started).
/// Replaying is idempotent: the data file changes only after a newer journal was synced. The log is synced before
/// the journal is written: a checkpoint copies every log page home, and a data file ahead of a log whose unsynced
/// tail was then lost would mix two points in time (found by the power-cut tests).
/// </summary>
public sealed class JournaledDataStream : ReadWriteSeekStream
{
    const int PageSize = FramedLogStream.PageSize;
    static readonly byte[] Magic = "SODLJRNL"u8.ToArray();
    readonly IStorageFile _data, _journal;
    readonly Action _syncLog;
    readonly SortedDictionary<long, byte[]> _dirty = [];
    long _length;

    public JournaledDataStream(IStorageFile data, IStorageFile journal, Action syncLog)
    {
        _data = data;
        _journal = journal;
        _syncLog = syncLog;
        ReplayJournal();
        _length = _data.Length;
    }

    /// <summary>Pages a journal found on open put back in place (a checkpoint was cut short).</summary>
    public int ReplayedPages { get; private set; }

    void ReplayJournal()
    {
        if (_journal.Length == 0) return;
        byte[] journal = new byte[_journal.Length];
        int read = _journal.Read(0, journal);
        if (TryParse(journal.AsSpan(0, read)) is { } pages)
        {
            foreach ((long position, int offset) in pages) _data.Write(position, journal.AsSpan(offset, PageSize));
            _data.Sync();
            ReplayedPages = pages.Count;
        }
        _journal.SetLength(0);
        _journal.Sync();
    }

    static List<(long Position, int Offset)>? TryParse(ReadOnlySpan<byte> journal)
    {
        const int HashBytes = 32;
        if (journal.Length < Magic.Length + 4 + HashBytes || !journal[..Magic.Length].SequenceEqual(Magic)) return null;
        int count = BinaryPrimitives.ReadInt32LittleEndian(journal[Magic.Length..]);
        long expected = Magic.Length + 4 + (long)count * (8 + PageSize) + HashBytes;
        if (count < 0 || expected != journal.Length) return null;
        if (!SHA256.HashData(journal[..^HashBytes]).AsSpan().SequenceEqual(journal[^HashBytes..])) return null;
        var pages = new List<(long, int)>(count);
        int offset = Magic.Length + 4;
        for (int i = 0; i < count; i++, offset += 8 + PageSize)
            pages.Add((BinaryPrimitives.ReadInt64LittleEndian(journal[offset..]), offset + 8));
        return pages;
    }

    public override long Length { get { lock (this) return _length; } }

    public override int Read(byte[] buffer, int offset, int count)
    {
        lock (this)
        {
            int read = 0;
            while (read < count && _position < _length)
            {
                long page = _position / PageSize * PageSize;
                int within = (int)(_position - page);
                int n = (int)Math.Min(Math.Min(count - read, PageSize - within), _length - _position);
                if (_dirty.TryGetValue(page, out byte[]? dirty)) dirty.AsSpan(within, n).CopyTo(buffer.AsSpan(offset + read));
                else
                {
                    int got = _data.Read(_position, buffer.AsSpan(offset + read, n));
                    if (got < n) buffer.AsSpan(offset + read + got, n - got).Clear(); // a page past a cut-short end reads as zeros
                }
                read += n;
                _position += n;
            }
            return read;
        }
    }

    /// <summary>Whole pages at page boundaries (all LiteDB writes to its data file); held until <see cref="Flush"/>.</summary>
    public override void Write(byte[] buffer, int offset, int count)
    {
        lock (this)
        {
            if (_position % PageSize != 0 || count % PageSize != 0)
                throw new NotSupportedException($"the journaled data file takes whole pages at page boundaries (write of {count} bytes at {_position}).");
            for (int done = 0; done < count; done += PageSize)
            {
                _dirty[_position] = buffer.AsSpan(offset + done, PageSize).ToArray();
                _position += PageSize;
                _length = Math.Max(_length, _position);
            }
        }
    }

    /// <summary>Journal, sync, write in place, sync: LiteDB's flush after a checkpoint and after creating the file.</summary>
    public override void Flush()
    {
        lock (this)
        {
            if (_dirty.Count == 0) return;
            _syncLog();
            WriteJournal();
            foreach ((long position, byte[] page) in _dirty) _data.Write(position, page);
            _data.Sync();
            _dirty.Clear();
            _journal.SetLength(0); // not synced: replaying this journal again changes nothing
        }
    }

    void WriteJournal()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long at = 0;
        void Append(ReadOnlySpan<byte> bytes)
        {
            _journal.Write(at, bytes);
            hash.AppendData(bytes);
            at += bytes.Length;
        }
        Span<byte> number = stackalloc byte[8];
        Append(Magic);
        BinaryPrimitives.WriteInt32LittleEndian(number, _dirty.Count);
        Append(number[..4]);
        foreach ((long position, byte[] page) in _dirty)
        {
            BinaryPrimitives.WriteInt64LittleEndian(number, position);
            Append(number);
            Append(page);
        }
        byte[] digest = hash.GetHashAndReset();
        _journal.Write(at, digest);
        _journal.SetLength(at + digest.Length);
        _journal.Sync();
    }

    public override void SetLength(long value)
    {
        lock (this)
        {
            Flush();
            _data.SetLength(value);
            _data.Sync();
            _length = value;
        }
    }

    /// <summary>Makes the data file's current content durable (what is held is flushed first).</summary>
    public void Sync()
    {
        lock (this)
        {
            Flush();
            _data.Sync();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Flush();
            _data.Dispose();
            _journal.Dispose();
        }
        base.Dispose(disposing);
    }
}
