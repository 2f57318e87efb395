using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using SensorOdl.Learning.Tensors;

namespace SensorOdl.Learning.Training;

/// <summary>Updates parameters from their gradients; owns any per-parameter state (moments).</summary>
public interface IOptimizer
{
    void Step();
}

/// <summary>SGD with momentum: v = μ v + g;  w −= lr · v.</summary>
public sealed class Sgd(IReadOnlyList<Parameter> parameters, float learningRate, float momentum = 0.9f) : IOptimizer
{
    readonly float[][] _velocity = [.. parameters.Select(p => new float[p.Size])];

    public void Step()
    {
        for (int i = 0; i < parameters.Count; i++)
        {
            Parameter p = parameters[i];
            float[] v = _velocity[i];
            TensorPrimitives.MultiplyAdd(v, momentum, p.Gradient, v);
            TensorPrimitives.MultiplyAdd(v, -learningRate, p.Value, p.Value);
        }
    }
}

/// <summary>Adam (Kingma &amp; Ba) with bias correction.</summary>
public sealed class Adam(IReadOnlyList<Parameter> parameters, float learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f) : IOptimizer
{
    readonly float[][] _first = [.. parameters.Select(p => new float[p.Size])];
    readonly float[][] _second = [.. parameters.Select(p => new float[p.Size])];
    int _step;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Step()
    {
        _step++;
        float correction1 = 1f - MathF.Pow(beta1, _step), correction2 = 1f - MathF.Pow(beta2, _step);
        float stepSize = learningRate * MathF.Sqrt(correction2) / correction1;
        for (int i = 0; i < parameters.Count; i++)
        {
            Parameter p = parameters[i];
            float[] m = _first[i], v = _second[i], w = p.Value, g = p.Gradient;
            for (int j = 0; j < w.Length; j++)
            {
                m[j] = beta1 * m[j] + (1f - beta1) * g[j];
                v[j] = beta2 * v[j] + (1f - beta2) * g[j] * g[j];
                w[j] -= stepSize * m[j] / (MathF.Sqrt(v[j]) + epsilon);
            }
        }
    }
}

public static class Optimizers
{
    public static IOptimizer Create(string name, IReadOnlyList<Parameter> parameters, float learningRate) => name switch
    {
        "adam" => new Adam(parameters, learningRate),
        "sgd" => new Sgd(parameters, learningRate),
        _ => throw new ArgumentException($"Unknown optimiser '{name}' (use adam or sgd)."),
    };
}
