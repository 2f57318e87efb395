using System.Numerics;
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
            int j = Vectorised(m, v, w, g, stepSize);
            for (; j < w.Length; j++)
            {
                m[j] = beta1 * m[j] + (1f - beta1) * g[j];
                v[j] = beta2 * v[j] + (1f - beta2) * g[j] * g[j];
                w[j] -= stepSize * m[j] / (MathF.Sqrt(v[j]) + epsilon);
            }
        }
    }

    // The loop below over whole vectors: the same operations in the same order, each correctly rounded (no fused
    // multiply-add), so every value is bit for bit the scalar loop's. Returns where the scalar tail starts.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    int Vectorised(float[] m, float[] v, float[] w, float[] g, float stepSize)
    {
        int lanes = Vector<float>.Count, j = 0;
        if (!Vector.IsHardwareAccelerated || m.Length < w.Length || v.Length < w.Length || g.Length < w.Length) return 0;
        Vector<float> decay1 = new(beta1), keep1 = new(1f - beta1), decay2 = new(beta2), keep2 = new(1f - beta2);
        Vector<float> step = new(stepSize), floor = new(epsilon);
        for (; j + lanes <= w.Length; j += lanes)
        {
            Vector<float> gradient = new(g, j);
            Vector<float> first = decay1 * new Vector<float>(m, j) + keep1 * gradient;
            Vector<float> second = decay2 * new Vector<float>(v, j) + keep2 * gradient * gradient;
            first.CopyTo(m, j);
            second.CopyTo(v, j);
            (new Vector<float>(w, j) - step * first / (Vector.SquareRoot(second) + floor)).CopyTo(w, j);
        }
        return j;
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
