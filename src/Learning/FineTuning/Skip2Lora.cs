using System.Runtime.CompilerServices;
using SensorOdl.Learning.Caches;
using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Training;

namespace SensorOdl.Learning.FineTuning;

/// <summary>
/// Skip2-LoRA: Skip-LoRA whose base forward pass runs once per sample for the life of the base. The first
/// time a sample is seen, its layer inputs and output go into the forward cache (float32, or 8 / 4 bits
/// with a scale per vector); every later epoch, and every later fine-tune of the same base, reads them back.
/// </summary>
public sealed class Skip2Lora : SkipAdapters
{
    readonly IForwardCache _cache;
    readonly List<int> _misses = [];
    float[] _missX = [];

    public Skip2Lora(Network baseNetwork, FineTuneOptions options, CacheEncoding encoding = CacheEncoding.Float32)
        : base(baseNetwork, options)
    {
        Encoding = encoding;
        IForwardCacheStore store = options.CacheStore ?? new InMemoryForwardCacheStore();
        _cache = store.Open(options.BaseHash, Layout, encoding);
    }

    public CacheEncoding Encoding { get; }
    public override string Name => Encoding switch
    {
        CacheEncoding.Int8 => "skip2-lora-q8",
        CacheEncoding.Int4 => "skip2-lora-q4",
        _ => "skip2-lora",
    };
    public override long CacheBytes => _cache.EncodedBytes;
    public IForwardCache Cache => _cache;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void FillEntries(SampleSet data, ReadOnlySpan<int> positions, ReadOnlySpan<float> x, ReadOnlySpan<int> labels, Span<float> entries)
    {
        int batch = positions.Length;
        _misses.Clear();
        for (int s = 0; s < batch; s++)
            if (!_cache.TryGet(data.Ids[positions[s]], entries.Slice(s * EntrySize, EntrySize)))
                _misses.Add(s);
        if (_misses.Count == 0) return;

        // One base forward pass for the samples the cache lacks: missX: [misses, in]
        int inputs = Base.InputSize;
        if (_missX.Length < batch * inputs) _missX = new float[batch * inputs];
        for (int m = 0; m < _misses.Count; m++) x.Slice(_misses[m] * inputs, inputs).CopyTo(_missX.AsSpan(m * inputs));
        ForwardBase(_missX, _misses.Count);
        for (int m = 0; m < _misses.Count; m++)
        {
            int s = _misses[m];
            Span<float> entry = entries.Slice(s * EntrySize, EntrySize);
            CopyEntry(m, entry, labels[s]);
            _cache.Put(data.Ids[positions[s]], entry);
            // Train on what later epochs will read, so that every epoch sees the same (quantised) values.
            if (Encoding != CacheEncoding.Float32) _cache.TryGet(data.Ids[positions[s]], entry);
        }
    }

    protected override void EndFit() => _cache.Flush();
}
