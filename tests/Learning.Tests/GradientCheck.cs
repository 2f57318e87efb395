namespace SensorOdl.Learning.Tests;

/// <summary>Central finite differences against analytic gradients.</summary>
internal static class GradientCheck
{
    /// <summary>Checks up to <paramref name="probes"/> coordinates of <paramref name="values"/>.</summary>
    public static void Check(string what, float[] values, float[] analytic, Func<double> loss, int probes = 12, double epsilon = 1e-2, double tolerance = 2e-2, int seed = 3)
    {
        var random = new Random(seed);
        double scale = Math.Max(1e-3, analytic.Select(g => Math.Abs((double)g)).DefaultIfEmpty(0).Max());
        for (int probe = 0; probe < Math.Min(probes, values.Length); probe++)
        {
            int i = probes >= values.Length ? probe : random.Next(values.Length);
            float original = values[i];
            values[i] = (float)(original + epsilon);
            double up = loss();
            values[i] = (float)(original - epsilon);
            double down = loss();
            values[i] = original;
            double numeric = (up - down) / (2 * epsilon);
            double error = Math.Abs(numeric - analytic[i]) / Math.Max(scale, Math.Abs(numeric));
            Assert.True(error < tolerance, $"{what}[{i}]: analytic {analytic[i]:G6}, numeric {numeric:G6} (relative error {error:G3})");
        }
    }

    public static float[] RandomValues(int n, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() * 2 - 1) * scale))];
    }
}
