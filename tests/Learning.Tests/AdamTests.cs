using SensorOdl.Learning.Tensors;
using SensorOdl.Learning.Training;

namespace SensorOdl.Learning.Tests;

public sealed class AdamTests
{
    // The vectorised step against the textbook scalar loop it replaced, bit for bit, on sizes around every vector width.
    [Fact]
    public void Adam_steps_equal_the_scalar_formula_bit_for_bit()
    {
        int[] sizes = [1, 3, 4, 7, 8, 9, 16, 17, 33, 100];
        Parameter[] parameters = [.. sizes.Select((n, i) => new Parameter($"p{i}", [n]))];
        var random = new Random(4);
        foreach (Parameter p in parameters)
            for (int j = 0; j < p.Size; j++) p.Value[j] = random.NextSingle() * 2 - 1;
        float[][] w = [.. parameters.Select(p => (float[])p.Value.Clone())];
        float[][] m = [.. sizes.Select(n => new float[n])], v = [.. sizes.Select(n => new float[n])];
        const float lr = 0.01f, beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;
        var adam = new Adam(parameters, lr);
        for (int step = 1; step <= 6; step++)
        {
            foreach (Parameter p in parameters)
                for (int j = 0; j < p.Size; j++) p.Gradient[j] = step == 3 ? 0f : (random.NextSingle() * 2 - 1) * MathF.Pow(10, random.Next(-6, 2));
            adam.Step();
            float correction1 = 1f - MathF.Pow(beta1, step), correction2 = 1f - MathF.Pow(beta2, step);
            float stepSize = lr * MathF.Sqrt(correction2) / correction1;
            for (int i = 0; i < parameters.Length; i++)
                for (int j = 0; j < sizes[i]; j++)
                {
                    float g = parameters[i].Gradient[j];
                    m[i][j] = beta1 * m[i][j] + (1f - beta1) * g;
                    v[i][j] = beta2 * v[i][j] + (1f - beta2) * g * g;
                    w[i][j] -= stepSize * m[i][j] / (MathF.Sqrt(v[i][j]) + epsilon);
                }
            for (int i = 0; i < parameters.Length; i++)
                Assert.Equal(w[i].Select(BitConverter.SingleToInt32Bits), parameters[i].Value.Select(BitConverter.SingleToInt32Bits));
        }
    }
}
