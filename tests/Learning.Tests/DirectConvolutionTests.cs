using SensorOdl.Learning.Tensors;

namespace SensorOdl.Learning.Tests;

public class DirectConvolutionTests
{
    // inChannels, height, width, kernel, padding, outChannels: LeNet's two layers, channel counts either side of
    // the 6-row sliver, outputs narrower than a panel, padding past the kernel's reach, 1×1.
    public static TheoryData<GemmKernel, int, int, int, int, int, int> Cases()
    {
        (int, int, int, int, int, int)[] shapes =
        [
            (1, 28, 28, 5, 2, 6), (6, 14, 14, 5, 0, 16), (2, 5, 7, 3, 1, 7), (3, 4, 3, 2, 3, 1), (1, 1, 1, 1, 0, 13), (4, 9, 6, 3, 0, 12),
        ];
        var data = new TheoryData<GemmKernel, int, int, int, int, int, int>();
        foreach (GemmKernel kernel in Enum.GetValues<GemmKernel>())
            foreach ((int cin, int h, int w, int k, int pad, int cout) in shapes) data.Add(kernel, cin, h, w, k, pad, cout);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Forward_agrees_with_unfolding_and_the_reference_product(GemmKernel kernel, int inChannels, int height, int width, int size, int padding, int outChannels)
    {
        if (!Gemm.IsSupported(kernel)) return;
        var random = new Random(inChannels * 1000 + height * 10 + outChannels);
        float[] Values(int n) => [.. Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1))];
        int taps = inChannels * size * size;
        int outHeight = height + 2 * padding - size + 1, outWidth = width + 2 * padding - size + 1, positions = outHeight * outWidth;
        float[] image = Values(inChannels * height * width), weight = Values(outChannels * taps), bias = Values(outChannels);

        var columns = new float[taps * positions];
        Im2Col.Unfold(image, inChannels, height, width, size, padding, columns);
        var expected = new float[outChannels * positions];
        ReferenceGemm.Multiply(weight, columns, expected, outChannels, taps, positions);
        for (int i = 0; i < expected.Length; i++) expected[i] += bias[i / positions];

        float[] y = [.. Enumerable.Repeat(float.NaN, outChannels * positions + 4)];
        DirectConvolution.Forward(image, inChannels, height, width, size, padding, weight, bias, outChannels, y, kernel);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - y[i]) <= 1e-5f * (taps + 2), $"output {i}: expected {expected[i]}, got {y[i]}");
        Assert.All(y[^4..], value => Assert.True(float.IsNaN(value)));
    }

    public static TheoryData<GemmKernel, int, int, int, int, int, int> VectorCases()
    {
        var data = new TheoryData<GemmKernel, int, int, int, int, int, int>();
        foreach (object[] row in Cases())
            if ((GemmKernel)row[0] is GemmKernel.Vector128 or GemmKernel.Vector256)
                data.Add((GemmKernel)row[0], (int)row[1], (int)row[2], (int)row[3], (int)row[4], (int)row[5], (int)row[6]);
        return data;
    }

    // Both layouts add each output's taps in the same order from zero, then the bias: the same bits, not just close.
    [Theory, MemberData(nameof(VectorCases))]
    public void Both_layouts_give_the_same_bits_and_relu_is_fused_exactly(GemmKernel kernel, int inChannels, int height, int width, int size, int padding, int outChannels)
    {
        if (!Gemm.IsSupported(kernel)) return;
        var random = new Random(inChannels * 7 + height * 3 + outChannels);
        float[] Values(int n) => [.. Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1))];
        int taps = inChannels * size * size;
        int outHeight = height + 2 * padding - size + 1, outWidth = width + 2 * padding - size + 1, length = outChannels * outHeight * outWidth;
        float[] image = Values(inChannels * height * width), weight = Values(outChannels * taps), bias = Values(outChannels);

        float[] Run(ConvolutionLayout layout, bool relu)
        {
            float[] y = [.. Enumerable.Repeat(float.NaN, length + 3)];
            DirectConvolution.Forward(image, inChannels, height, width, size, padding, weight, bias, outChannels, y, kernel, relu, layout);
            Assert.All(y[^3..], value => Assert.True(float.IsNaN(value)));
            return y[..length];
        }

        float[] wide = Run(ConvolutionLayout.Wide, relu: false), lanes = Run(ConvolutionLayout.ChannelsInLanes, relu: false);
        Assert.Equal(wide, lanes);
        float[] rectified = [.. wide.Select(v => MathF.Max(v, 0f))];
        Assert.Equal(rectified, Run(ConvolutionLayout.Wide, relu: true));
        Assert.Equal(rectified, Run(ConvolutionLayout.ChannelsInLanes, relu: true));
        Assert.Equal(rectified, Run(ConvolutionLayout.Auto, relu: true));
    }

    // One call over a batch (weights packed once, the padded border cleared once) gives each image its own call's bits.
    [Theory, MemberData(nameof(VectorCases))]
    public void A_batch_gives_every_image_the_result_of_its_own_call(GemmKernel kernel, int inChannels, int height, int width, int size, int padding, int outChannels)
    {
        if (!Gemm.IsSupported(kernel)) return;
        var random = new Random(height * 31 + width);
        const int batch = 3;
        int taps = inChannels * size * size, imageSize = inChannels * height * width;
        int outputSize = outChannels * (height + 2 * padding - size + 1) * (width + 2 * padding - size + 1);
        float[] images = [.. Enumerable.Range(0, batch * imageSize).Select(_ => random.NextSingle() * 2 - 1)];
        float[] weight = [.. Enumerable.Range(0, outChannels * taps).Select(_ => random.NextSingle() * 2 - 1)];
        float[] bias = [.. Enumerable.Range(0, outChannels).Select(_ => random.NextSingle() - 0.5f)];
        foreach (ConvolutionLayout layout in new[] { ConvolutionLayout.Wide, ConvolutionLayout.ChannelsInLanes })
        {
            var together = new float[batch * outputSize];
            DirectConvolution.Forward(images, inChannels, height, width, size, padding, weight, bias, outChannels, together, kernel, true, layout, batch);
            for (int s = 0; s < batch; s++)
            {
                var alone = new float[outputSize];
                DirectConvolution.Forward(images.AsSpan(s * imageSize, imageSize), inChannels, height, width, size, padding, weight, bias, outChannels, alone, kernel, true, layout);
                Assert.Equal(alone, together.AsSpan(s * outputSize, outputSize).ToArray());
            }
        }
    }

    [Fact]
    public void Rectify_matches_MathF_Max_with_zero_on_every_kind_of_value()
    {
        float[] values = [-0f, 0f, float.NaN, -1e-30f, 1e-30f, -3f, 2.5f, float.NegativeInfinity, float.PositiveInfinity, float.Epsilon, -float.Epsilon];
        int lanes = System.Numerics.Vector<float>.Count;
        foreach (float value in values)
        {
            float[] got = new float[lanes];
            DirectConvolution.Rectify(new System.Numerics.Vector<float>(value)).CopyTo(got);
            Assert.All(got, g => Assert.Equal(BitConverter.SingleToInt32Bits(MathF.Max(value, 0f)), BitConverter.SingleToInt32Bits(g)));
        }
    }

    [Fact]
    public void LeNets_second_convolution_puts_channels_in_the_lanes_and_its_first_keeps_the_wide_rows()
    {
        Assert.Equal(ConvolutionLayout.Wide, DirectConvolution.Choose(6, 28, 28, 32, 16));
        Assert.Equal(ConvolutionLayout.ChannelsInLanes, DirectConvolution.Choose(16, 10, 10, 14, 16));
        Assert.Equal(ConvolutionLayout.ChannelsInLanes, DirectConvolution.Choose(16, 10, 10, 14, 8));
    }
}
