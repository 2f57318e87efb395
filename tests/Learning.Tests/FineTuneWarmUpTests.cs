using System.Reflection;
using System.Runtime.CompilerServices;
using SensorOdl.Learning.Caches;
using SensorOdl.Learning.FineTuning;
using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Tensors;
using SensorOdl.Learning.Training;

namespace SensorOdl.Learning.Tests;

/// <summary>
/// A fine-tuning job is rare (once per drift), so its loops would otherwise run as unoptimised tier-0 code the first
/// time and the first job of a process measured ~3× slower than the same job later (issue 9, docs/BENCHMARKS.md).
/// </summary>
public sealed class FineTuneWarmUpTests
{
    [Theory]
    [InlineData(typeof(SkipAdapters), "TrainBatch")]
    [InlineData(typeof(SkipAdapters), "Output")]
    [InlineData(typeof(SkipAdapters), "CopyEntry")]
    [InlineData(typeof(Skip2Lora), "FillEntries")]
    [InlineData(typeof(Quantizer), "Quantize")]
    [InlineData(typeof(Quantizer), "Dequantize")]
    [InlineData(typeof(ForwardCacheCodec), "Encode")]
    [InlineData(typeof(ForwardCacheCodec), "Decode")]
    [InlineData(typeof(InMemoryForwardCache), "TryGet")]
    [InlineData(typeof(Adam), "Step")]
    [InlineData(typeof(MeanSquaredError), "Compute")]
    [InlineData(typeof(SampleSet), "Gather")]
    [InlineData(typeof(Gemm), "Dots")]
    [InlineData(typeof(Gemm), "Plain")]
    [InlineData(typeof(Gemm), "PackA")]
    [InlineData(typeof(Gemm), "PackB")]
    [InlineData(typeof(Gemm), "Blocked")]
    public void Fitting_loops_are_compiled_fully_on_their_first_call(Type type, string name)
    {
        MethodInfo method = type.GetMethod(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            ?? throw new MissingMethodException(type.Name, name);
        Assert.True(method.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveOptimization), $"{type.Name}.{name}");
    }

    [Fact]
    public void Warm_up_changes_neither_the_base_nor_the_callers_cache()
    {
        Network network = TinyNetworks.Trained();
        Parameter[] weights = [.. network.Parameters];
        float[][] before = [.. weights.Select(p => (float[])p.Value.Clone())];
        var store = new InMemoryForwardCacheStore();
        var options = new FineTuneOptions { BaseHash = "base", CacheStore = store, Training = new TrainingOptions { Objective = Objective.Classification, BatchSize = 4 } };

        FineTuneMethods.WarmUp("skip2-lora-q4", network, options);

        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], weights[i].Value);
        var tuner = (Skip2Lora)FineTuneMethods.Create("skip2-lora-q4", network, options);
        Assert.Equal(0, tuner.Cache.Count);
    }
}
