using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SensorOdl.Daemon.Storage;

/// <summary>
/// A stored window's probes ([k·d] raw features, kind by kind) in the bytes of its sample document. The first byte is
/// the encoding: <see cref="HalfDeltas"/> stores each probe value as a float16 difference from the window's own feature
/// (a probe perturbs a copy of the window, so most differences are zero or small, and the error is relative to the
/// difference, not to the feature: a feature of 1,000 ± 0.1 keeps its precision); <see cref="Raw"/> stores float32
/// values and is chosen when a difference does not fit a float16. Release 1 kept the probes as bare float32 bytes in a
/// collection of their own (<c>sample_probes</c>); <see cref="SampleStore"/> moves them into the sample documents.
/// </summary>
public static class SampleProbeCodec
{
    public const byte Raw = 1, HalfDeltas = 2;

    public static byte[] Encode(ReadOnlySpan<float> probes, ReadOnlySpan<float> features)
    {
        int d = features.Length;
        if (d == 0 || probes.Length % d != 0) throw new ArgumentException($"{probes.Length} probe values are not whole rows of {d} features.");
        var halves = new byte[1 + 2 * probes.Length];
        halves[0] = HalfDeltas;
        for (int i = 0; i < probes.Length; i++)
        {
            float delta = probes[i] - features[i % d];
            var half = (Half)delta;
            if (!float.IsFinite(delta) || Half.IsInfinity(half)) return EncodeRaw(probes);
            BinaryPrimitives.WriteHalfLittleEndian(halves.AsSpan(1 + 2 * i), half);
        }
        return halves;
    }

    public static byte[] EncodeRaw(ReadOnlySpan<float> probes)
    {
        var bytes = new byte[1 + 4 * probes.Length];
        bytes[0] = Raw;
        MemoryMarshal.AsBytes(probes).CopyTo(bytes.AsSpan(1));
        return bytes;
    }

    public static float[] Decode(ReadOnlySpan<byte> encoded, ReadOnlySpan<float> features)
    {
        if (encoded.IsEmpty) throw new FormatException("Empty stored probes.");
        ReadOnlySpan<byte> body = encoded[1..];
        switch (encoded[0])
        {
            case Raw when body.Length % 4 == 0:
                return MemoryMarshal.Cast<byte, float>(body).ToArray();
            case HalfDeltas when body.Length % 2 == 0 && features.Length > 0 && body.Length / 2 % features.Length == 0:
                var probes = new float[body.Length / 2];
                for (int i = 0; i < probes.Length; i++)
                    probes[i] = features[i % features.Length] + (float)BinaryPrimitives.ReadHalfLittleEndian(body[(2 * i)..]);
                return probes;
            default:
                throw new FormatException($"Stored probes of encoding {encoded[0]} and {body.Length} bytes: this build reads encodings {Raw} and {HalfDeltas}.");
        }
    }
}
