using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.FineTuning;
using SensorOdl.Learning.Training;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// Small anomaly models trained in milliseconds on random features, for the tests of what stores and ships
/// models (registry, publisher). Different seeds give different weights, so different files and hashes.
/// </summary>
static class TinyModels
{
    public const int Features = 12;
    const int Windows = 40;

    public static AnomalyModel Base(int seed)
    {
        var random = new Random(seed);
        var rows = new float[Windows * Features];
        for (int i = 0; i < rows.Length; i++) rows[i] = (float)(random.NextDouble() + i % Features);
        return AnomalyTrainer.TrainBase(rows, Windows, "tiny-features", new AnomalyTrainingOptions
        {
            Seed = seed,
            Hidden = [6],
            Training = new AnomalyTrainingOptions().Training with { Epochs = 2 },
        });
    }

    /// <summary>A version of <paramref name="baseModel"/> with adapters of <paramref name="method"/> set to seeded random values.</summary>
    public static AnomalyModel Adapted(AnomalyModel baseModel, int seed, string method = "lora-last")
    {
        FineTuner tuner = FineTuneMethods.Create(method, baseModel.Base, new FineTuneOptions
        {
            BaseHash = baseModel.BaseHash,
            Training = new TrainingOptions { Objective = Objective.Reconstruction },
        });
        var random = new Random(seed);
        AdapterSet adapters = tuner.Export();
        foreach (NamedTensor tensor in adapters.Tensors)
            for (int i = 0; i < tensor.Values.Length; i++) tensor.Values[i] = (float)(random.NextDouble() - 0.5) * 0.2f;
        tuner.Import(adapters); // as a trained tuner would hold them (merged-weight methods merge here)
        return baseModel.WithAdapters(tuner, baseModel.Threshold * 1.5f, baseModel.Reference);
    }

    /// <summary>Scores of a few fixed windows: equal scores mean the same model.</summary>
    public static float[] Fingerprint(AnomalyModel model)
    {
        var random = new Random(99);
        var scores = new float[5];
        var row = new float[model.InputSize];
        for (int s = 0; s < scores.Length; s++)
        {
            for (int i = 0; i < row.Length; i++) row[i] = (float)(random.NextDouble() * 2 + i);
            scores[s] = model.Score(row);
        }
        return scores;
    }
}
