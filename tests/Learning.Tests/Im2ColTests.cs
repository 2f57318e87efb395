using SensorOdl.Learning.Tensors;

namespace SensorOdl.Learning.Tests;

public class Im2ColTests
{
    // channels, height, width, kernel, padding: LeNet's two convolutions, padding wider than the kernel's reach, 1×1.
    [Theory]
    [InlineData(1, 28, 28, 5, 2)]
    [InlineData(6, 14, 14, 5, 0)]
    [InlineData(2, 3, 7, 3, 1)]
    [InlineData(3, 4, 5, 2, 3)]
    [InlineData(1, 1, 1, 1, 0)]
    [InlineData(2, 5, 3, 5, 4)]
    public void Unfold_places_every_pixel_or_a_padding_zero(int channels, int height, int width, int kernel, int padding)
    {
        var random = new Random(channels * 100 + height);
        float[] image = [.. Enumerable.Range(0, channels * height * width).Select(_ => (float)random.NextDouble() + 0.5f)];
        int outHeight = height + 2 * padding - kernel + 1, outWidth = width + 2 * padding - kernel + 1;
        int positions = outHeight * outWidth;
        float[] columns = [.. Enumerable.Repeat(float.NaN, channels * kernel * kernel * positions + 3)];
        Im2Col.Unfold(image, channels, height, width, kernel, padding, columns);
        for (int c = 0; c < channels; c++)
            for (int ky = 0; ky < kernel; ky++)
                for (int kx = 0; kx < kernel; kx++)
                    for (int oy = 0; oy < outHeight; oy++)
                        for (int ox = 0; ox < outWidth; ox++)
                        {
                            int iy = oy + ky - padding, ix = ox + kx - padding;
                            float expected = iy >= 0 && iy < height && ix >= 0 && ix < width ? image[(c * height + iy) * width + ix] : 0f;
                            Assert.Equal(expected, columns[((c * kernel + ky) * kernel + kx) * positions + oy * outWidth + ox]);
                        }
        Assert.All(columns[^3..], value => Assert.True(float.IsNaN(value)));
    }
}
