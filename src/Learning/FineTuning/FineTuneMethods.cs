using SensorOdl.Learning.Caches;
using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Training;

namespace SensorOdl.Learning.FineTuning;

/// <summary>Every fine-tuning method by its contract name (docs/CONTRACT.md §5).</summary>
public static class FineTuneMethods
{
    public static readonly IReadOnlyList<string> Names =
        ["ft-last", "lora-last", "lora-all", "skip-lora", "skip2-lora", "skip2-lora-q8", "skip2-lora-q4"];

    public static bool IsKnown(string name) => Names.Contains(name);

    public static FineTuner Create(string name, Network baseNetwork, FineTuneOptions options) => name switch
    {
        "ft-last" => new FtLast(baseNetwork, options),
        "lora-last" => new LoraLast(baseNetwork, options),
        "lora-all" => new LoraAll(baseNetwork, options),
        "skip-lora" => new SkipLora(baseNetwork, options),
        "skip2-lora" => new Skip2Lora(baseNetwork, options, CacheEncoding.Float32),
        "skip2-lora-q8" => new Skip2Lora(baseNetwork, options, CacheEncoding.Int8),
        "skip2-lora-q4" => new Skip2Lora(baseNetwork, options, CacheEncoding.Int4),
        _ => throw new ArgumentException($"Unknown fine-tuning method '{name}'; use one of {string.Join(", ", Names)}."),
    };

    /// <summary>
    /// Compiles a method's fitting path for this base before a job needs it: one epoch over one mini-batch of zero
    /// windows into a throw-away in-memory cache (never <paramref name="options"/>' store); the base is not changed.
    /// The fitting loops are marked AggressiveOptimization (compiled fully on their first call, never run as tier-0
    /// code), so this moves their one-off compilation out of the first job's fit.
    /// </summary>
    public static void WarmUp(string name, Network baseNetwork, FineTuneOptions options)
    {
        int batch = Math.Max(1, options.Training.BatchSize);
        FineTuner tuner = Create(name, baseNetwork, options with
        {
            CacheStore = new InMemoryForwardCacheStore(),
            BaseHash = "warm-up",
            Training = options.Training with { Epochs = 1 },
        });
        var windows = new SampleSet(baseNetwork.InputSize, new float[batch * baseNetwork.InputSize], new int[batch],
            [.. Enumerable.Range(0, batch).Select(i => -1L - i)]);
        tuner.Fit(windows);
    }

    /// <summary>Rebuilds the adapted model an adapter set describes on top of its base.</summary>
    public static FineTuner Restore(Network baseNetwork, AdapterSet adapters, FineTuneOptions options)
    {
        FineTuner tuner = Create(adapters.Method, baseNetwork, options with { Rank = adapters.Rank });
        tuner.Import(adapters);
        return tuner;
    }
}
