using SensorOdl.Learning.Networks;

namespace SensorOdl.Learning.Tests;

public sealed class ParallelForwardTests
{
    [Theory]
    [InlineData(2, 32)]
    [InlineData(3, 7)]
    [InlineData(4, 3)]
    public void A_forward_pass_split_among_threads_gives_every_sample_the_one_thread_result(int threads, int batch)
    {
        Network single = NetworkFactory.LeNet5(seed: 4);
        Network parallel = single.Clone();
        parallel.Threads = threads;
        var random = new Random(9);
        float[] x = [.. Enumerable.Range(0, batch * 784).Select(_ => random.NextSingle())];
        Network.Activations one = single.CreateActivations(batch), many = parallel.CreateActivations(batch);
        single.Forward(x, one, batch);
        parallel.Forward(x, many, batch);
        for (int layer = 0; layer < one.Values.Length; layer++)
            Assert.Equal(one.Values[layer].Select(BitConverter.SingleToInt32Bits), many.Values[layer].Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(batch, parallel.ForwardSamples);
        Assert.Equal(threads, parallel.Clone().Threads);
    }

    [Fact]
    public void Fewer_than_one_thread_is_refused()
    {
        Network network = NetworkFactory.LeNet5();
        Assert.Throws<ArgumentOutOfRangeException>(() => network.Threads = 0);
    }
}
