namespace SensorOdl.Learning.Caches;

/// <summary>
/// The forward cache of one frozen base model: per sample id, the layer inputs and output the base
/// computed for it. Entries never go stale because a base never changes and sample ids are never reused.
/// </summary>
public interface IForwardCache
{
    ForwardCacheCodec Codec { get; }
    int Count { get; }
    long EncodedBytes => (long)Count * Codec.EncodedSize;

    /// <summary>entry: [Codec.Layout.Length], filled when the sample is cached.</summary>
    bool TryGet(long sampleId, Span<float> entry);

    void Put(long sampleId, ReadOnlySpan<float> entry);

    /// <summary>Makes puts durable, for stores that buffer them.</summary>
    void Flush();
}

/// <summary>Opens the cache of a base model (by content hash) at a layout and encoding.</summary>
public interface IForwardCacheStore
{
    IForwardCache Open(string baseHash, CacheLayout layout, CacheEncoding encoding);
}
