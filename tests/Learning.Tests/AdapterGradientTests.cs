using System.Numerics.Tensors;
using SensorOdl.Learning.FineTuning;

namespace SensorOdl.Learning.Tests;

public sealed class AdapterGradientTests
{
    // Ranks on either side of the block of four, widths not a multiple of any vector, rows scattered in one array.
    [Theory]
    [InlineData(4, 784, 32)] [InlineData(4, 84, 32)] [InlineData(1, 13, 5)] [InlineData(6, 37, 7)] [InlineData(9, 5, 3)]
    [InlineData(3, 120, 1)] [InlineData(8, 1, 4)]
    public void The_blocked_update_equals_one_row_update_per_sample_and_rank_bit_for_bit(int rank, int width, int batch)
    {
        var random = new Random(rank * 100 + width + batch);
        float[] Values(int n) => [.. Enumerable.Range(0, n).Select(_ => random.NextSingle() * 2 - 1)];
        const int vStride = 23, vOffset = 3;
        float[] v = Values(batch * vStride + rank + vOffset), rows = Values(batch * (width + 11) + 17), start = Values(rank * width);
        int[] rowOffsets = [.. Enumerable.Range(0, batch).Select(s => 17 + (batch - 1 - s) * (width + 11))];

        float[] expected = (float[])start.Clone();
        for (int s = 0; s < batch; s++)
            for (int k = 0; k < rank; k++)
            {
                Span<float> row = expected.AsSpan(k * width, width);
                TensorPrimitives.MultiplyAdd(rows.AsSpan(rowOffsets[s], width), v[s * vStride + vOffset + k], row, row);
            }
        float[] got = (float[])start.Clone();
        AdapterGradient.AccumulateDown(got, rank, width, v, vStride, vOffset, rows, rowOffsets);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), got.Select(BitConverter.SingleToInt32Bits));
    }
}
