using System.Runtime.CompilerServices;
namespace SensorOdl.Learning.Caches;

/// <summary>Encoded entries in one growing byte arena, indexed by sample id. Not thread-safe.</summary>
public sealed class InMemoryForwardCache(ForwardCacheCodec codec) : IForwardCache
{
    readonly Dictionary<long, int> _slots = [];
    byte[] _arena = [];

    public ForwardCacheCodec Codec { get; } = codec;
    public int Count => _slots.Count;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryGet(long sampleId, Span<float> entry)
    {
        if (!_slots.TryGetValue(sampleId, out int slot)) return false;
        Codec.Decode(_arena.AsSpan(slot * Codec.EncodedSize, Codec.EncodedSize), entry);
        return true;
    }

    public void Put(long sampleId, ReadOnlySpan<float> entry) => Codec.Encode(entry, Slot(sampleId));

    /// <summary>Stores an entry that is already encoded (loaded from a persistent store).</summary>
    public void PutEncoded(long sampleId, ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length != Codec.EncodedSize) throw new ArgumentException($"Encoded entry of {encoded.Length} bytes, expected {Codec.EncodedSize}.");
        encoded.CopyTo(Slot(sampleId));
    }

    public ReadOnlySpan<byte> Encoded(long sampleId) =>
        _slots.TryGetValue(sampleId, out int slot) ? _arena.AsSpan(slot * Codec.EncodedSize, Codec.EncodedSize) : [];

    public void Flush() { }

    /// <summary>The bytes of the sample's entry, a new slot at the end of the arena for a new sample.</summary>
    Span<byte> Slot(long sampleId)
    {
        if (!_slots.TryGetValue(sampleId, out int slot))
        {
            slot = _slots.Count;
            EnsureCapacity(slot + 1);
            _slots[sampleId] = slot;
        }
        return _arena.AsSpan(slot * Codec.EncodedSize, Codec.EncodedSize);
    }

    void EnsureCapacity(int entries)
    {
        long needed = (long)entries * Codec.EncodedSize;
        if (needed <= _arena.Length) return;
        Array.Resize(ref _arena, (int)Math.Max(needed, Math.Min(int.MaxValue, _arena.Length * 2L)));
    }
}

/// <summary>In-memory caches, one per (base, layout, encoding): a different base never sees another's entries.</summary>
public sealed class InMemoryForwardCacheStore : IForwardCacheStore
{
    readonly Dictionary<string, InMemoryForwardCache> _caches = [];

    public IForwardCache Open(string baseHash, CacheLayout layout, CacheEncoding encoding)
    {
        string key = $"{baseHash}/{layout.Signature}/{encoding}";
        if (!_caches.TryGetValue(key, out InMemoryForwardCache? cache))
            _caches[key] = cache = new InMemoryForwardCache(new ForwardCacheCodec(layout, encoding));
        return cache;
    }
}
