using SensorOdl.Learning.Caches;
using SensorOdl.Learning.Training;

namespace SensorOdl.Learning.FineTuning;

/// <summary>Settings shared by every fine-tuning method.</summary>
public sealed record FineTuneOptions
{
    /// <summary>Rank r of every adapter: A: [r, d], B: [out, r].</summary>
    public int Rank { get; init; } = 4;
    public TrainingOptions Training { get; init; } = new();
    /// <summary>Where Skip2-LoRA keeps its forward cache; an in-memory cache when null.</summary>
    public IForwardCacheStore? CacheStore { get; init; }
    /// <summary>The content hash of the base model: the cache key that keeps bases apart.</summary>
    public string BaseHash { get; init; } = "unhashed";

    public void Validate()
    {
        Training.Validate();
        if (Rank < 1) throw new ArgumentException("Rank must be at least 1.");
    }
}
