using System.Numerics.Tensors;
using SensorOdl.Learning.Training;

namespace SensorOdl.Learning.Anomaly;

/// <summary>
/// An autoencoder's anomaly score: the mean of the largest <see cref="Share"/> of a window's squared reconstruction
/// errors (1 = the plain mean squared error). A fault that moves a few features — lines and sidebands in a spectrum —
/// is averaged with every feature by the plain mean, and a loud room's broadband noise, spread over all of them, can
/// drown it; averaging the worst quarter keeps more of the fault's weight in the score. Smaller shares (an eighth, a
/// sixteenth) follow the noisiest features instead and raised false alarms in the recorded noisy room;
/// docs/BENCHMARKS.md, issue 9 session 16, has every share tried on every pair.
/// </summary>
public sealed class ReconstructionScore
{
    public const double DefaultShare = 0.25;

    readonly float[] _squared;

    /// <param name="share">The share of features whose largest squared errors are averaged, in (0, 1].</param>
    public ReconstructionScore(int features, double share)
    {
        if (!(share > 0 && share <= 1)) throw new ArgumentOutOfRangeException(nameof(share), share, "The score's share of features must be in (0, 1].");
        Share = share;
        Count = CountOf(features, share);
        _squared = new float[features];
    }

    public double Share { get; }
    /// <summary>How many of the largest squared errors are averaged: ⌈share · features⌉.</summary>
    public int Count { get; }

    public static int CountOf(int features, double share) => Math.Clamp((int)Math.Ceiling(share * features - 1e-9), 1, features);

    /// <summary>prediction, target: [d] → the mean of the <see cref="Count"/> largest (prediction − target)².</summary>
    public float Of(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target)
    {
        if (Count == _squared.Length) return MeanSquaredError.PerSample(prediction, target);
        TensorPrimitives.Subtract(prediction, target, _squared);
        TensorPrimitives.Multiply(_squared, _squared, _squared);
        return SumOfLargest(_squared, Count) / Count;
    }

    /// <summary>
    /// The sum of the k largest of non-negative <paramref name="values"/> (squared errors). A radix select: the bit
    /// pattern of a non-negative float orders as the float does, so each pass fixes one more byte of the k-th largest
    /// value's bits from a 256-bucket histogram of the values that share the bytes fixed so far, adding whole buckets
    /// above it as it goes. At most four branch-free passes over d values; a quickselect's data-dependent branches cost
    /// more than the network's forward pass on random-looking errors (docs/BENCHMARKS.md, issue 9 session 16).
    /// </summary>
    internal static float SumOfLargest(ReadOnlySpan<float> values, int k)
    {
        Span<int> counts = stackalloc int[256];
        Span<float> sums = stackalloc float[256];
        uint prefix = 0, prefixMask = 0;
        int needed = k;
        float sum = 0;
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            counts.Clear();
            sums.Clear();
            foreach (float value in values)
            {
                uint bits = BitConverter.SingleToUInt32Bits(value);
                int matches = (bits & prefixMask) == prefix ? 1 : 0;
                int bucket = (int)(bits >> shift) & 0xFF;
                counts[bucket] += matches;
                sums[bucket] += BitConverter.UInt32BitsToSingle(bits & (uint)-matches); // 0 unless it matches
            }
            int b = 255;
            for (; counts[b] < needed; b--)
            {
                needed -= counts[b];
                sum += sums[b];
            }
            if (counts[b] == needed) return sum + sums[b];
            prefix |= (uint)b << shift;
            prefixMask |= 0xFFu << shift;
        }
        return sum + needed * BitConverter.UInt32BitsToSingle(prefix); // the rest are equal to the k-th largest
    }
}
