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
}
