using SensorOdl.Daemon.Storage.Durability;

namespace SensorOdl.Daemon.Tests.PowerCut;

/// <summary>
/// An in-memory disk for power-cut tests. Every file keeps what was synced apart from what was written since;
/// every create, rename and delete stays pending until its directory is synced. <see cref="Cut"/> returns the disk
/// a power cut at this instant would leave: each unsynced write dropped, kept, or torn at 512-byte sectors (some
/// sectors new, the rest old or zero), a file's size either the synced or the current one, and of the pending
/// directory changes a prefix in order (a journaling file system keeps metadata in order). Thread-safe: LiteDB reads
/// from several threads while its writer writes.
/// </summary>
sealed class PowerCutDisk : IStorageFiles
{
    const int Sector = 512;
    readonly object _gate = new();
    readonly Dictionary<string, Inode> _names = [], _durableNames = [];
    readonly List<DirectoryChange> _pending = [];
    long _operations;

    sealed class Inode
    {
        public byte[] Data = [];
        public long Length;
        public byte[] Durable = [];
        public long DurableLength;
        public readonly List<(long Position, int Count)> Unsynced = [];
    }

    sealed record DirectoryChange(string Directory, Action<Dictionary<string, Inode>> Apply);

    /// <summary>Called after every change (write, size, sync, create, rename, delete, directory sync) with the change count, under the disk's lock.</summary>
    public Action<long>? Changed { get; set; }

    /// <summary>Changes so far: an image cut at count c holds everything announced at a count ≤ c.</summary>
    public long Operations { get { lock (_gate) return _operations; } }

    public long Syncs { get; private set; }

    void Mutated()
    {
        _operations++;
        Changed?.Invoke(_operations);
    }

    static string Normal(string path) => Path.GetFullPath(path);
    static string DirectoryOf(string path) => Path.GetDirectoryName(path)!;

    public IStorageFile Open(string path)
    {
        path = Normal(path);
        lock (_gate)
        {
            if (!_names.TryGetValue(path, out Inode? inode))
            {
                inode = new Inode();
                _names[path] = inode;
                _pending.Add(new DirectoryChange(DirectoryOf(path), names => names[path] = inode));
                Mutated();
            }
            return new File(this, inode);
        }
    }

    public bool Exists(string path)
    {
        lock (_gate) return _names.ContainsKey(Normal(path));
    }

    public byte[] ReadAllBytes(string path)
    {
        lock (_gate)
        {
            if (!_names.TryGetValue(Normal(path), out Inode? inode)) throw new FileNotFoundException($"no file {path}", path);
            return inode.Data.AsSpan(0, (int)inode.Length).ToArray();
        }
    }

    public void Delete(string path)
    {
        path = Normal(path);
        lock (_gate)
        {
            if (!_names.Remove(path)) return;
            _pending.Add(new DirectoryChange(DirectoryOf(path), names => names.Remove(path)));
            Mutated();
        }
    }

    public void Move(string from, string to)
    {
        from = Normal(from);
        to = Normal(to);
        lock (_gate)
        {
            if (!_names.Remove(from, out Inode? inode)) throw new FileNotFoundException($"no file {from}", from);
            _names[to] = inode;
            _pending.Add(new DirectoryChange(DirectoryOf(to), names =>
            {
                names.Remove(from);
                names[to] = inode;
            }));
            Mutated();
        }
    }

    public void SyncDirectory(string directory)
    {
        directory = Normal(directory);
        lock (_gate)
        {
            foreach (DirectoryChange change in _pending.Where(c => c.Directory == directory).ToList())
            {
                change.Apply(_durableNames);
                _pending.Remove(change);
            }
            Syncs++;
            Mutated();
        }
    }

    public void CreateDirectory(string directory) { } // directories are implicit here

    /// <summary>The disk a power cut now would leave (its own copy; this disk runs on).</summary>
    public PowerCutDisk Cut(Random random)
    {
        lock (_gate)
        {
            var image = new PowerCutDisk();
            var names = new Dictionary<string, Inode>(_durableNames);
            int applied = random.Next(_pending.Count + 1);
            for (int i = 0; i < applied; i++) _pending[i].Apply(names);
            var copies = new Dictionary<Inode, Inode>();
            foreach ((string path, Inode inode) in names)
            {
                if (!copies.TryGetValue(inode, out Inode? copy)) copies[inode] = copy = Torn(inode, random);
                image._names[path] = copy;
                image._durableNames[path] = copy;
            }
            return image;
        }
    }

    static Inode Torn(Inode inode, Random random)
    {
        int mode = inode.Unsynced.Count == 0 && inode.Length == inode.DurableLength ? 0 : random.Next(3); // 0 drop all, 1 keep all, 2 tear sector by sector
        long length = mode switch { 0 => inode.DurableLength, 1 => inode.Length, _ => random.Next(2) == 0 ? inode.DurableLength : inode.Length };
        var data = new byte[length];
        inode.Durable.AsSpan(0, (int)Math.Min(length, inode.DurableLength)).CopyTo(data);
        if (mode != 0)
            foreach ((long position, int count) in inode.Unsynced)
                for (long sector = position / Sector * Sector; sector < position + count; sector += Sector)
                {
                    if (mode == 2 && random.Next(2) == 0) continue;
                    long end = Math.Min(Math.Min(sector + Sector, inode.Length), length);
                    if (end > sector) inode.Data.AsSpan((int)sector, (int)(end - sector)).CopyTo(data.AsSpan((int)sector));
                }
        return new Inode { Data = data, Length = length, Durable = data.ToArray(), DurableLength = length };
    }

    sealed class File(PowerCutDisk disk, Inode inode) : IStorageFile
    {
        public long Length { get { lock (disk._gate) return inode.Length; } }

        public int Read(long position, Span<byte> buffer)
        {
            lock (disk._gate)
            {
                if (position >= inode.Length) return 0;
                int n = (int)Math.Min(buffer.Length, inode.Length - position);
                inode.Data.AsSpan((int)position, n).CopyTo(buffer);
                return n;
            }
        }

        public void Write(long position, ReadOnlySpan<byte> data)
        {
            lock (disk._gate)
            {
                long end = position + data.Length;
                Grow(end);
                data.CopyTo(inode.Data.AsSpan((int)position));
                inode.Length = Math.Max(inode.Length, end);
                inode.Unsynced.Add((position, data.Length));
                disk.Mutated();
            }
        }

        void Grow(long end)
        {
            if (end <= inode.Data.Length) return;
            Array.Resize(ref inode.Data, (int)Math.Max(end, inode.Data.Length * 2L));
        }

        public void SetLength(long length)
        {
            lock (disk._gate)
            {
                Grow(length);
                if (length < inode.Length) inode.Data.AsSpan((int)length, (int)(inode.Length - length)).Clear();
                inode.Length = length;
                disk.Mutated();
            }
        }

        public void Sync()
        {
            lock (disk._gate)
            {
                if (inode.Durable.Length < inode.Length) Array.Resize(ref inode.Durable, (int)Math.Max(inode.Length, inode.Durable.Length * 2L));
                foreach ((long position, int count) in inode.Unsynced)
                {
                    long end = Math.Min(position + count, inode.Length);
                    if (end > position) inode.Data.AsSpan((int)position, (int)(end - position)).CopyTo(inode.Durable.AsSpan((int)position));
                }
                if (inode.Length < inode.DurableLength) inode.Durable.AsSpan((int)inode.Length, (int)(inode.DurableLength - inode.Length)).Clear();
                inode.DurableLength = inode.Length;
                inode.Unsynced.Clear();
                disk.Syncs++;
                disk.Mutated();
            }
        }

        public void Dispose() { }
    }
}
