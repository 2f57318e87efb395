using System.Runtime.CompilerServices;
namespace SensorOdl.Learning.Caches;

/// <summary>How a cached value is stored: as float32, or quantised to 8 or 4 bits.</summary>
public enum CacheEncoding
{
    Float32 = 32,
    Int8 = 8,
    Int4 = 4,
}

/// <summary>
/// One sample's forward-cache entry: the quantisable segments (the inputs of layers 2..L, one scale each)
/// followed by values kept exact (the base output h_L and, for classifiers, the label).
/// </summary>
public sealed record CacheLayout(int[] QuantizedSegments, int ExactLength)
{
    public int Length => QuantizedSegments.Sum() + ExactLength;
    public string Signature => $"{string.Join('-', QuantizedSegments)}+{ExactLength}";
}

/// <summary>Turns entries into bytes and back, at the chosen encoding.</summary>
public sealed class ForwardCacheCodec
{
    const int SegmentHeaderBytes = 8; // min, scale

    public ForwardCacheCodec(CacheLayout layout, CacheEncoding encoding)
    {
        Layout = layout;
        Encoding = encoding;
        EncodedSize = encoding == CacheEncoding.Float32
            ? layout.Length * sizeof(float)
            : layout.QuantizedSegments.Sum(n => SegmentHeaderBytes + Quantizer.PackedBytes(n, (int)encoding)) + layout.ExactLength * sizeof(float);
    }

    public CacheLayout Layout { get; }
    public CacheEncoding Encoding { get; }
    public int EncodedSize { get; }

    /// <summary>entry: [Layout.Length] → destination: [EncodedSize]</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Encode(ReadOnlySpan<float> entry, Span<byte> destination)
    {
        if (Encoding == CacheEncoding.Float32)
        {
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(entry[..Layout.Length]).CopyTo(destination);
            return;
        }
        int bits = (int)Encoding, read = 0, written = 0;
        foreach (int length in Layout.QuantizedSegments)
        {
            int packed = Quantizer.PackedBytes(length, bits);
            (float min, float scale) = Quantizer.Quantize(entry.Slice(read, length), bits, destination.Slice(written + SegmentHeaderBytes, packed));
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(destination[written..], min);
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(destination[(written + 4)..], scale);
            read += length;
            written += SegmentHeaderBytes + packed;
        }
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(entry.Slice(read, Layout.ExactLength)).CopyTo(destination[written..]);
    }

    /// <summary>source: [EncodedSize] → entry: [Layout.Length]</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Decode(ReadOnlySpan<byte> source, Span<float> entry)
    {
        if (Encoding == CacheEncoding.Float32)
        {
            source[..EncodedSize].CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(entry));
            return;
        }
        int bits = (int)Encoding, read = 0, written = 0;
        foreach (int length in Layout.QuantizedSegments)
        {
            int packed = Quantizer.PackedBytes(length, bits);
            float min = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(source[read..]);
            float scale = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(source[(read + 4)..]);
            Quantizer.Dequantize(source.Slice(read + SegmentHeaderBytes, packed), bits, min, scale, entry.Slice(written, length));
            read += SegmentHeaderBytes + packed;
            written += length;
        }
        source.Slice(read, Layout.ExactLength * sizeof(float)).CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(entry.Slice(written, Layout.ExactLength)));
    }
}
