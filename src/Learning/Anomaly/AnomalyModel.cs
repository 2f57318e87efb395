using SensorOdl.Learning.FineTuning;
using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Training;

namespace SensorOdl.Learning.Anomaly;

/// <summary>
/// An autoencoder anomaly detector: features are normalised with the base's statistics, reconstructed by the
/// frozen base (plus adapters, when this version has them), and scored by the mean squared reconstruction
/// error; a window is anomalous above the calibrated threshold. Not thread-safe: one scorer per thread.
/// </summary>
public sealed class AnomalyModel
{
    const int Chunk = 64;
    readonly float[] _z, _reconstruction;
    readonly Network.Activations _activations;

    public AnomalyModel(Network baseNetwork, string baseHash, float[] mean, float[] std, string featureConfig,
        float threshold, ReferenceStatistics reference, FineTuner? adapted = null, float[]? exemplars = null)
    {
        if (mean.Length != baseNetwork.InputSize || std.Length != baseNetwork.InputSize || baseNetwork.OutputSize != baseNetwork.InputSize)
            throw new ArgumentException("An anomaly model needs an autoencoder and one mean and std per input.");
        Base = baseNetwork;
        BaseHash = baseHash;
        Mean = mean;
        Std = std;
        FeatureConfig = featureConfig;
        Threshold = threshold;
        Reference = reference;
        Adapted = adapted;
        Exemplars = exemplars ?? [];
        if (Exemplars.Length % InputSize != 0) throw new ArgumentException("Exemplars must be whole feature vectors.");
        _z = new float[Chunk * InputSize];
        _reconstruction = new float[Chunk * InputSize];
        _activations = baseNetwork.CreateActivations(Chunk);
    }

    public Network Base { get; }
    public string BaseHash { get; }
    public float[] Mean { get; }
    public float[] Std { get; }
    /// <summary>The feature pipeline the model was trained on, opaque here: the daemon refuses a sensor that differs.</summary>
    public string FeatureConfig { get; }
    public float Threshold { get; }
    public ReferenceStatistics Reference { get; }
    public FineTuner? Adapted { get; }
    /// <summary>[m, d] raw features of known fault windows stored with the base (train --exemplars): a candidate must still flag them.</summary>
    public float[] Exemplars { get; }
    public int ExemplarCount => Exemplars.Length / InputSize;
    public string Method => Adapted?.Name ?? "base";
    public int InputSize => Base.InputSize;

    /// <summary>An equal model with its own network copy and buffers, for scoring on another thread.</summary>
    public AnomalyModel ForAnotherThread()
    {
        Network copy = Base.Clone();
        FineTuner? adapted = Adapted is null ? null : FineTuneMethods.Restore(copy, Adapted.Export(), Adapted.Options);
        return new AnomalyModel(copy, BaseHash, Mean, Std, FeatureConfig, Threshold, Reference, adapted, Exemplars);
    }

    public AnomalyModel WithAdapters(FineTuner? adapted, float threshold, ReferenceStatistics reference) =>
        new(Base, BaseHash, Mean, Std, FeatureConfig, threshold, reference, adapted, Exemplars);

    /// <summary>features: [d] → z: [d] = (features − mean) / std, clamped to ±1e4 so one wild value cannot overflow.</summary>
    public void Normalize(ReadOnlySpan<float> features, Span<float> z)
    {
        for (int i = 0; i < InputSize; i++) z[i] = Math.Clamp((features[i] - Mean[i]) / Std[i], -1e4f, 1e4f);
    }

    /// <summary>One window's score: mean squared reconstruction error of its normalised features.</summary>
    public float Score(ReadOnlySpan<float> features)
    {
        Normalize(features, _z);
        return ScoreNormalized(_z.AsSpan(0, InputSize), 1)[0];
    }

    /// <summary>z: [count, d] normalised features → one score per row.</summary>
    public float[] ScoreNormalized(ReadOnlySpan<float> z, int count)
    {
        var scores = new float[count];
        for (int start = 0; start < count; start += Chunk)
        {
            int n = Math.Min(Chunk, count - start);
            ReadOnlySpan<float> rows = z.Slice(start * InputSize, n * InputSize);
            if (Adapted is null) Predictions.Run(Base, _activations, rows, _reconstruction, n);
            else Adapted.Predict(rows, _reconstruction, n);
            for (int s = 0; s < n; s++)
                scores[start + s] = MeanSquaredError.PerSample(_reconstruction.AsSpan(s * InputSize, InputSize), rows.Slice(s * InputSize, InputSize));
        }
        return scores;
    }

    /// <summary>features: [count, d] raw → z: [count, d] normalised.</summary>
    public float[] NormalizeMany(ReadOnlySpan<float> features, int count)
    {
        var z = new float[count * InputSize];
        for (int s = 0; s < count; s++) Normalize(features.Slice(s * InputSize, InputSize), z.AsSpan(s * InputSize, InputSize));
        return z;
    }
}
