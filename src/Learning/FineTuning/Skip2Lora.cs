using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SensorOdl.Learning.Caches;
using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Training;

namespace SensorOdl.Learning.FineTuning;

/// <summary>
/// Skip2-LoRA: Skip-LoRA whose base forward pass runs once per sample for the life of the base. The first
/// time a sample is seen, its layer inputs and output go into the forward cache (float32, or 8 / 4 bits
/// with a scale per vector); every later epoch, and every later fine-tune of the same base, reads them back.
/// Within one fit each sample's entry is decoded once, into a float table by sample position that the later epochs
/// read in place, so a quantised cache costs no more per epoch than a float one (while the table fits in
/// <see cref="DecodedTableLimitBytes"/>; a larger fit decodes from the cache per mini-batch).
/// </summary>
public sealed class Skip2Lora : SkipAdapters
{
    readonly IForwardCache _cache;
    readonly List<int> _misses = [];
    float[] _missX = [];
    float[] _decoded = [];     // [data.Count, E]: entries already decoded in this fit, by sample position
    bool[] _isDecoded = [];

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

    /// <summary>The largest table of decoded entries one fit keeps: 2 MB for 620 spectrum windows, 7.3 MB for 1,024 LeNet images.</summary>
    internal long DecodedTableLimitBytes { get; set; } = 16L << 20;

    /// <summary>Samples per base forward pass when the table is filled before the first epoch.</summary>
    internal const int PrefillRows = 64;

    protected override void BeginFit(SampleSet data, int batchSize)
    {
        bool table = (long)data.Count * EntrySize * sizeof(float) <= DecodedTableLimitBytes;
        base.BeginFit(data, table ? Math.Max(batchSize, Math.Min(PrefillRows, data.Count)) : batchSize);
        _decoded = table ? new float[data.Count * EntrySize] : [];
        _isDecoded = table ? new bool[data.Count] : [];
        if (table) Prefill(data);
    }

    /// <summary>
    /// Fills the table before the first epoch: every sample's entry from the cache, or — for the samples it lacks — from
    /// the base's forward pass, <see cref="PrefillRows"/> samples at a time instead of a mini-batch's few: the pass packs
    /// each layer's weights once per call, which for a 16-sample batch of a 511-bin spectrum model cost as much as the
    /// products themselves. The entries are the ones the first epoch would have made, stored and read back the same way.
    /// </summary>
    void Prefill(SampleSet data)
    {
        List<int> missing = [];
        for (int position = 0; position < data.Count; position++)
        {
            if (_cache.TryGet(data.Ids[position], _decoded.AsSpan(position * EntrySize, EntrySize))) _isDecoded[position] = true;
            else missing.Add(position);
        }
        int inputs = Base.InputSize, rows = Math.Min(PrefillRows, missing.Count);
        if (_missX.Length < rows * inputs) _missX = new float[rows * inputs];
        var labels = new int[rows];
        for (int start = 0; start < missing.Count; start += rows)
        {
            ReadOnlySpan<int> chunk = CollectionsMarshal.AsSpan(missing).Slice(start, Math.Min(rows, missing.Count - start));
            data.Gather(chunk, _missX, labels);
            ForwardBase(_missX, chunk.Length);
            for (int m = 0; m < chunk.Length; m++) Store(data.Ids[chunk[m]], chunk[m], m, _decoded.AsSpan(chunk[m] * EntrySize, EntrySize), labels[m]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void FillEntries(SampleSet data, ReadOnlySpan<int> positions, ReadOnlySpan<float> x, ReadOnlySpan<int> labels, Span<float> entries)
    {
        int batch = positions.Length;
        bool table = _isDecoded.Length > 0;
        _misses.Clear();
        for (int s = 0; s < batch; s++)
        {
            int position = positions[s];
            Span<float> entry = entries.Slice(s * EntrySize, EntrySize);
            if (table && _isDecoded[position]) _decoded.AsSpan(position * EntrySize, EntrySize).CopyTo(entry);
            else if (_cache.TryGet(data.Ids[position], entry)) Keep(position, entry);
            else _misses.Add(s);
        }
        if (_misses.Count == 0) return;

        // One base forward pass for the samples the cache lacks: missX: [misses, in]
        int inputs = Base.InputSize;
        if (_missX.Length < batch * inputs) _missX = new float[batch * inputs];
        for (int m = 0; m < _misses.Count; m++) x.Slice(_misses[m] * inputs, inputs).CopyTo(_missX.AsSpan(m * inputs));
        ForwardBase(_missX, _misses.Count);
        for (int m = 0; m < _misses.Count; m++)
        {
            int s = _misses[m];
            Store(data.Ids[positions[s]], positions[s], m, entries.Slice(s * EntrySize, EntrySize), labels[s]);
        }
    }

    /// <summary>Row <paramref name="row"/> of the base's activations into the cache, and into <paramref name="entry"/> as the cache gives it back.</summary>
    void Store(long id, int position, int row, Span<float> entry, int label)
    {
        CopyEntry(row, entry, label);
        _cache.Put(id, entry);
        // Train on what later epochs will read, so that every epoch sees the same (quantised) values.
        if (Encoding != CacheEncoding.Float32) _cache.TryGet(id, entry);
        Keep(position, entry);
    }

    protected override float[]? StoredEntries(ReadOnlySpan<int> positions)
    {
        if (_isDecoded.Length == 0) return null;
        foreach (int position in positions)
            if (!_isDecoded[position]) return null;
        return _decoded;
    }

    void Keep(int position, ReadOnlySpan<float> entry)
    {
        if (_isDecoded.Length == 0) return;
        entry.CopyTo(_decoded.AsSpan(position * EntrySize, EntrySize));
        _isDecoded[position] = true;
    }

    protected override void EndFit()
    {
        base.EndFit();
        _cache.Flush();
        (_decoded, _isDecoded) = ([], []); // the table lives for one fit: the next one may bring other samples
    }
}
