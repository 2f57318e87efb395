using SensorOdl.Learning.Caches;

namespace SensorOdl.Learning.Tests;

public class QuantizerTests
{
    [Theory]
    [InlineData(8, 1000)]
    [InlineData(8, 7)]
    [InlineData(4, 1000)]
    [InlineData(4, 7)]
    [InlineData(4, 1)]
    public void Round_trip_error_is_at_most_half_a_level(int bits, int length)
    {
        float[] values = GradientCheck.RandomValues(length, bits * length, 5f);
        var codes = new byte[Quantizer.PackedBytes(length, bits)];
        (float min, float scale) = Quantizer.Quantize(values, bits, codes);
        var restored = new float[length];
        Quantizer.Dequantize(codes, bits, min, scale, restored);
        float bound = (values.Max() - Math.Min(0, values.Min())) / ((1 << bits) - 1) / 2 * 1.0001f;
        for (int i = 0; i < length; i++)
            Assert.True(Math.Abs(values[i] - restored[i]) <= bound, $"[{i}] {values[i]} → {restored[i]}, bound {bound}");
    }

    [Fact]
    public void Four_bit_codes_pack_two_per_byte_with_an_odd_tail()
    {
        Assert.Equal(4, Quantizer.PackedBytes(7, 4));
        Assert.Equal(7, Quantizer.PackedBytes(7, 8));
        float[] values = [0, 15, 1, 14, 2, 13, 3];
        var codes = new byte[4];
        (float min, float scale) = Quantizer.Quantize(values, 4, codes);
        Assert.Equal(0, min);
        Assert.Equal(1, scale);
        Assert.Equal(new byte[] { 0xF0, 0xE1, 0xD2, 0x03 }, codes);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    public void An_all_zero_vector_comes_back_exactly(int bits)
    {
        var values = new float[9];
        var codes = new byte[Quantizer.PackedBytes(9, bits)];
        (float min, float scale) = Quantizer.Quantize(values, bits, codes);
        var restored = Enumerable.Repeat(7f, 9).ToArray();
        Quantizer.Dequantize(codes, bits, min, scale, restored);
        Assert.All(restored, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Non_negative_vectors_keep_zero_exact()
    {
        float[] values = [0, 0, 3.7f, 0, 1.1f];
        var codes = new byte[3];
        (float min, float scale) = Quantizer.Quantize(values, 4, codes);
        var restored = new float[5];
        Quantizer.Dequantize(codes, 4, min, scale, restored);
        Assert.Equal(0f, restored[0]);
        Assert.Equal(0f, restored[3]);
        Assert.Equal(3.7f, restored[2], 5);
    }

    [Fact]
    public void NaN_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Quantizer.Quantize([1, float.NaN], 4, new byte[1]));
    }

    [Theory]
    [InlineData(CacheEncoding.Float32)]
    [InlineData(CacheEncoding.Int8)]
    [InlineData(CacheEncoding.Int4)]
    public void The_codec_round_trips_an_entry_within_the_encoding_bound(CacheEncoding encoding)
    {
        var layout = new CacheLayout([13, 6], 4);
        var codec = new ForwardCacheCodec(layout, encoding);
        float[] entry = [.. GradientCheck.RandomValues(19, 2, 3f).Select(Math.Abs), -2.5f, 1.25f, 9f, 3f];
        var bytes = new byte[codec.EncodedSize];
        codec.Encode(entry, bytes);
        var restored = new float[layout.Length];
        codec.Decode(bytes, restored);
        float bound = encoding == CacheEncoding.Float32 ? 0 : 3f / ((1 << (int)encoding) - 1) / 2 * 1.0001f;
        for (int i = 0; i < 19; i++) Assert.True(Math.Abs(entry[i] - restored[i]) <= bound);
        Assert.Equal(entry[19..], restored[19..]); // output and label stay exact
        Assert.Equal(encoding switch { CacheEncoding.Float32 => 23 * 4, CacheEncoding.Int8 => 8 + 13 + 8 + 6 + 16, _ => 8 + 7 + 8 + 3 + 16 }, codec.EncodedSize);
    }
}
