namespace SensorOdl.Learning.Training;

/// <summary>How a training run goes: epochs, mini-batches, optimiser and the seed of its shuffles.</summary>
public sealed record TrainingOptions
{
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 32;
    public float LearningRate { get; init; } = 1e-3f;
    public string Optimizer { get; init; } = "adam";
    public int Seed { get; init; } = 1;
    public Objective Objective { get; init; } = Objective.Classification;

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException("Epochs must be at least 1.");
        if (BatchSize < 1) throw new ArgumentException("BatchSize must be at least 1.");
        if (!(LearningRate > 0) || float.IsInfinity(LearningRate)) throw new ArgumentException("LearningRate must be a positive number.");
    }
}

/// <summary>Reported after every mini-batch.</summary>
public readonly record struct TrainingProgress(int Epoch, int Epochs, int SamplesDone, int SamplesPerEpoch, float Loss)
{
    public double Fraction => ((Epoch - 1) + (double)SamplesDone / SamplesPerEpoch) / Epochs;
}
