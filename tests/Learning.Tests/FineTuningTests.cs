using SensorOdl.Learning.Caches;
using SensorOdl.Learning.FineTuning;
using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Tensors;
using SensorOdl.Learning.Training;

namespace SensorOdl.Learning.Tests;

public class FineTuningTests
{
    static readonly Network TrainedBase = TinyNetworks.Trained();

    static FineTuneOptions Options(int epochs = 8, IForwardCacheStore? store = null) => new()
    {
        Rank = 2,
        Training = new TrainingOptions { Epochs = epochs, BatchSize = 16, LearningRate = 0.02f, Seed = 5 },
        CacheStore = store,
        BaseHash = "tiny-base",
    };

    public static TheoryData<string> Methods => [.. FineTuneMethods.Names];

    [Theory, MemberData(nameof(Methods))]
    public void An_untrained_adapter_set_reproduces_the_base_exactly(string method)
    {
        SampleSet data = TinyNetworks.Patterns(20, 3);
        FineTuner tuner = FineTuneMethods.Create(method, TrainedBase, Options());
        var adapted = new float[data.Count * 3];
        var plain = new float[data.Count * 3];
        tuner.Predict(data.Inputs, adapted, data.Count);
        Network.Activations activations = TrainedBase.CreateActivations(data.Count);
        TrainedBase.Forward(data.Inputs, activations, data.Count);
        activations.Output.AsSpan(0, plain.Length).CopyTo(plain);
        Assert.Equal(plain, adapted);
    }

    [Theory, MemberData(nameof(Methods))]
    public void Adapter_gradients_match_finite_differences(string method)
    {
        SampleSet data = TinyNetworks.Patterns(6, 9);
        FineTuner tuner = FineTuneMethods.Create(method, TrainedBase, Options());
        var random = new Random(17);
        // Non-zero B so that A receives a gradient too.
        foreach (Parameter p in tuner.Trainable) NetworkFactory.FillUniform(p.Value, 0.3f, random);
        int[] positions = [0, 1, 2, 3, 4, 5];
        tuner.ComputeGradients(data, positions);
        foreach (Parameter p in tuner.Trainable)
        {
            float[] analytic = (float[])p.Gradient.Clone();
            GradientCheck.Check($"{method} {p.Name}", p.Value, analytic,
                () => tuner.ComputeGradients(data, positions), probes: 10, epsilon: 5e-3, tolerance: 3e-2);
        }
    }

    [Theory, MemberData(nameof(Methods))]
    public void Fine_tuning_adapts_the_base_to_a_rotated_domain(string method)
    {
        SampleSet train = TinyNetworks.Patterns(240, 11, rotated: true), test = TinyNetworks.Patterns(150, 12, rotated: true, firstId: 1000);
        double before = TinyNetworks.Accuracy((x, n) => Predict(TrainedBase, x, n), test);
        FineTuner tuner = FineTuneMethods.Create(method, TrainedBase, Options(epochs: 15));
        tuner.Fit(train);
        double after = TinyNetworks.Accuracy((x, n) => { var y = new float[n * 3]; tuner.Predict(x, y, n); return y; }, test);
        Assert.True(after > before + 0.2 && after > 0.7, $"{method}: accuracy {before:P0} before, {after:P0} after");
    }

    [Fact]
    public void Skip2_lora_with_a_float32_cache_learns_the_same_weights_as_skip_lora()
    {
        SampleSet train = TinyNetworks.Patterns(100, 13, rotated: true);
        FineTuner skip = FineTuneMethods.Create("skip-lora", TrainedBase, Options());
        FineTuner skip2 = FineTuneMethods.Create("skip2-lora", TrainedBase, Options());
        skip.Fit(train);
        skip2.Fit(train);
        Assert.Equal(8 * 100, skip.BaseForwardSamples);
        Assert.Equal(100, skip2.BaseForwardSamples);
        for (int i = 0; i < skip.Trainable.Count; i++)
        {
            float[] expected = skip.Trainable[i].Value, actual = skip2.Trainable[i].Value;
            for (int j = 0; j < expected.Length; j++)
                Assert.True(Math.Abs(expected[j] - actual[j]) <= 1e-5f, $"{skip.Trainable[i].Name}[{j}]: {expected[j]} vs {actual[j]}");
        }
    }

    [Theory]
    [InlineData("skip2-lora")]
    [InlineData("skip2-lora-q8")]
    [InlineData("skip2-lora-q4")]
    public void A_second_fine_tune_of_the_same_base_and_samples_runs_no_base_forward_pass(string method)
    {
        var store = new InMemoryForwardCacheStore();
        SampleSet train = TinyNetworks.Patterns(50, 14, rotated: true);
        FineTuner first = FineTuneMethods.Create(method, TrainedBase, Options(store: store));
        first.Fit(train);
        Assert.Equal(50, first.BaseForwardSamples);
        FineTuner second = FineTuneMethods.Create(method, TrainedBase, Options(store: store));
        second.Fit(train);
        Assert.Equal(0, second.BaseForwardSamples);
        // A different base must not read those entries.
        FineTuner other = FineTuneMethods.Create(method, TrainedBase, Options(store: store) with { BaseHash = "another-base" });
        other.Fit(train);
        Assert.Equal(50, other.BaseForwardSamples);
    }

    [Theory]
    [InlineData("skip2-lora")]
    [InlineData("skip2-lora-q8")]
    [InlineData("skip2-lora-q4")]
    public void Decoding_each_entry_once_per_fit_trains_exactly_as_decoding_it_every_epoch(string method)
    {
        SampleSet train = TinyNetworks.Patterns(70, 17, rotated: true);
        var store = new InMemoryForwardCacheStore();
        Skip2Lora Tuner(bool decodeOnce, IForwardCacheStore? cache)
        {
            var tuner = (Skip2Lora)FineTuneMethods.Create(method, TrainedBase, Options(store: cache));
            if (!decodeOnce) tuner.DecodedTableLimitBytes = 0;
            tuner.Fit(train);
            return tuner;
        }
        // With the table, the base forward runs before the first epoch, 64 samples at a time (Skip2Lora.PrefillRows);
        // without, in the epoch, per mini-batch: the same entries either way.
        Skip2Lora once = Tuner(decodeOnce: true, store), everyEpoch = Tuner(decodeOnce: false, null);
        // From a warm cache: every entry decoded from the store, none computed.
        Skip2Lora warmOnce = Tuner(decodeOnce: true, store), warmEveryEpoch = Tuner(decodeOnce: false, store);
        Assert.Equal(70, once.BaseForwardSamples);
        Assert.Equal(70, everyEpoch.BaseForwardSamples);
        Assert.Equal(0, warmOnce.BaseForwardSamples);
        Assert.Equal(0, warmEveryEpoch.BaseForwardSamples);
        for (int i = 0; i < once.Trainable.Count; i++)
        {
            Assert.Equal(everyEpoch.Trainable[i].Value, once.Trainable[i].Value);
            Assert.Equal(everyEpoch.Trainable[i].Value, warmOnce.Trainable[i].Value);
            Assert.Equal(everyEpoch.Trainable[i].Value, warmEveryEpoch.Trainable[i].Value);
        }
        Assert.NotEqual(new float[once.Trainable[1].Size], once.Trainable[1].Value); // B moved off zero: it trained
    }

    [Fact]
    public void Cache_sizes_follow_the_layout_and_lenet_entries_at_4_bits_are_at_most_a_sixth_of_float32()
    {
        SampleSet train = TinyNetworks.Patterns(40, 15);
        var fp32 = (Skip2Lora)FineTuneMethods.Create("skip2-lora", TrainedBase, Options(epochs: 1));
        var q4 = (Skip2Lora)FineTuneMethods.Create("skip2-lora-q4", TrainedBase, Options(epochs: 1));
        fp32.Fit(train);
        q4.Fit(train);
        Assert.Equal(40L * fp32.Layout.Length * 4, fp32.CacheBytes);
        Assert.Equal(40L * q4.Cache.Codec.EncodedSize, q4.CacheBytes);

        // LeNet-5: inputs of conv2, fc1, fc2, fc3 (1,176 + 400 + 120 + 84), 10 logits and the label = 1,791 values.
        var lenet = (Skip2Lora)FineTuneMethods.Create("skip2-lora-q4", NetworkFactory.LeNet5(), Options());
        Assert.Equal(1791, lenet.Layout.Length);
        int float32Bytes = new ForwardCacheCodec(lenet.Layout, CacheEncoding.Float32).EncodedSize;
        Assert.Equal(1791 * 4, float32Bytes);
        Assert.True(lenet.Cache.Codec.EncodedSize * 6 <= float32Bytes, $"{lenet.Cache.Codec.EncodedSize} B per entry at 4 bits");
    }

    [Fact]
    public void Exported_adapters_restore_the_same_adapted_model()
    {
        SampleSet train = TinyNetworks.Patterns(60, 16, rotated: true);
        foreach (string method in FineTuneMethods.Names)
        {
            FineTuner tuner = FineTuneMethods.Create(method, TrainedBase, Options(epochs: 2));
            tuner.Fit(train);
            FineTuner restored = FineTuneMethods.Restore(TrainedBase, tuner.Export(), Options());
            var expected = new float[train.Count * 3];
            var actual = new float[train.Count * 3];
            tuner.Predict(train.Inputs, expected, train.Count);
            restored.Predict(train.Inputs, actual, train.Count);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void The_base_network_is_never_modified()
    {
        float[] before = [.. TrainedBase.Parameters.SelectMany(p => p.Value)];
        foreach (string method in FineTuneMethods.Names)
            FineTuneMethods.Create(method, TrainedBase, Options(epochs: 1)).Fit(TinyNetworks.Patterns(30, 18, rotated: true));
        Assert.Equal(before, TrainedBase.Parameters.SelectMany(p => p.Value).ToArray());
    }

    [Fact]
    public void An_unknown_method_name_is_refused_with_the_list_of_names()
    {
        var e = Assert.Throws<ArgumentException>(() => FineTuneMethods.Create("lora-most", TrainedBase, Options()));
        Assert.Contains("skip2-lora-q4", e.Message);
    }

    static float[] Predict(Network network, float[] x, int count)
    {
        Network.Activations activations = network.CreateActivations(count);
        network.Forward(x, activations, count);
        return activations.Output[..(count * network.OutputSize)];
    }
}
