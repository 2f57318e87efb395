using SensorOdl.Learning.Layers;

namespace SensorOdl.Learning.Tests;

public class MaxPoolTests
{
    [Fact]
    public void Two_by_two_pooling_takes_each_windows_maximum_and_drops_odd_edges()
    {
        // 1 channel, 3 × 5: windows cover rows 0–1 and columns 0–3; row 2 and column 4 are dropped.
        float[] x =
        [
            1, 9, -3, -4, 100,
            2, 3, -1, -2, 100,
            100, 100, 100, 100, 100,
        ];
        var y = new float[2 * 2];
        new MaxPool2d(1, 3, 5, 2).Forward(x.Concat(x.Select(v => -v)).ToArray(), y, batch: 2);
        Assert.Equal([9f, -1f, -1f, 4f], y);
    }

    // The 2 × 2 path (four windows at a time where vectors split even and odd lanes) against the general loop, which
    // runs for a pooling layer of size 2 when asked through a 1-channel view of each window: compared bit for bit,
    // with ties, signed zeros and NaNs in the input, on widths around the group of four and odd edges.
    [Theory]
    [InlineData(1, 28, 28)] [InlineData(3, 10, 10)] [InlineData(2, 7, 9)] [InlineData(1, 4, 8)] [InlineData(2, 5, 15)]
    [InlineData(1, 2, 2)] [InlineData(4, 6, 13)] [InlineData(1, 3, 22)]
    public void Two_by_two_pooling_equals_the_window_by_window_comparisons(int channels, int height, int width)
    {
        var random = new Random(channels * 100 + height * 10 + width);
        float[] specials = [0f, -0f, float.NaN, 1f, 1f, -1f];
        float[] x = [.. Enumerable.Range(0, 3 * channels * height * width)
            .Select(_ => random.Next(4) == 0 ? specials[random.Next(specials.Length)] : (float)Math.Round(random.NextDouble() * 4 - 2, 1))];
        var pool = new MaxPool2d(channels, height, width, 2);
        var y = new float[3 * pool.OutputSize];
        pool.Forward(x, y, batch: 3);

        int outHeight = height / 2, outWidth = width / 2;
        for (int plane = 0; plane < 3 * channels; plane++)
            for (int oy = 0; oy < outHeight; oy++)
                for (int ox = 0; ox < outWidth; ox++)
                {
                    int at = plane * height * width + 2 * oy * width + 2 * ox;
                    float best = x[at];
                    foreach (int offset in new[] { 1, width, width + 1 })
                        if (x[at + offset] > best) best = x[at + offset];
                    float got = y[plane * outHeight * outWidth + oy * outWidth + ox];
                    Assert.True(BitConverter.SingleToInt32Bits(best) == BitConverter.SingleToInt32Bits(got) || (float.IsNaN(best) && float.IsNaN(got)),
                        $"plane {plane} ({oy}, {ox}): expected {best}, got {got}");
                }
    }
}
