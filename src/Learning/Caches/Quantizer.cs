using System.Runtime.CompilerServices;
using System.Numerics.Tensors;

namespace SensorOdl.Learning.Caches;

/// <summary>
/// Per-vector affine quantisation to 8 or 4 bits: v ≈ min + code · scale with scale = (max − min) / (2^bits − 1).
/// Post-ReLU vectors have min = 0, so their levels are unsigned with a per-vector maximum. At 4 bits two codes
/// share a byte, low nibble first. Round-to-nearest bounds the error by scale / 2.
/// </summary>
public static class Quantizer
{
    public static int PackedBytes(int length, int bits) => bits switch
    {
        8 => length,
        4 => (length + 1) / 2,
        _ => throw new ArgumentOutOfRangeException(nameof(bits), "Only 8 and 4 bits are supported."),
    };

    /// <summary>values: [n] → codes: [PackedBytes(n, bits)]; returns (min, scale).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (float Min, float Scale) Quantize(ReadOnlySpan<float> values, int bits, Span<byte> codes)
    {
        int levels = (1 << bits) - 1;
        float min = values.IsEmpty ? 0 : TensorPrimitives.Min(values);
        float max = values.IsEmpty ? 0 : TensorPrimitives.Max(values);
        if (!float.IsFinite(min) || !float.IsFinite(max))
            throw new ArgumentException("Cannot quantise a vector holding NaN or infinity.");
        if (min > 0) min = 0; // non-negative vectors keep zero exact (ReLU outputs are mostly zeros)
        float scale = (max - min) / levels;
        float inverse = scale > 0 ? 1f / scale : 0f;
        if (bits == 8)
        {
            for (int i = 0; i < values.Length; i++) codes[i] = (byte)Math.Clamp((int)MathF.Round((values[i] - min) * inverse), 0, levels);
        }
        else
        {
            codes[..PackedBytes(values.Length, 4)].Clear();
            for (int i = 0; i < values.Length; i++)
            {
                int code = Math.Clamp((int)MathF.Round((values[i] - min) * inverse), 0, levels);
                codes[i >> 1] |= (byte)((i & 1) == 0 ? code : code << 4);
            }
        }
        return (min, scale);
    }

    /// <summary>codes: [PackedBytes(n, bits)] → values: [n]</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dequantize(ReadOnlySpan<byte> codes, int bits, float min, float scale, Span<float> values)
    {
        int n = values.Length;
        if (bits == 8)
        {
            codes = codes[..n];
            for (int i = 0; i < n; i++) values[i] = min + codes[i] * scale;
            return;
        }
        // Sixteen levels: look each nibble up instead of converting it.
        Span<float> levels = stackalloc float[16];
        for (int q = 0; q < 16; q++) levels[q] = min + q * scale;
        int pairs = n >> 1;
        for (int i = 0; i < pairs; i++)
        {
            byte packed = codes[i];
            values[2 * i] = levels[packed & 0x0F];
            values[2 * i + 1] = levels[packed >> 4];
        }
        if ((n & 1) == 1) values[n - 1] = levels[codes[pairs] & 0x0F];
    }
}
