namespace SensorOdl.Drivers.Tests.Support;

internal static class Signals
{
    public static float[] Sine(int n, double sampleRateHz, double hz, double amplitude = 1, double phase = 0)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(amplitude * Math.Sin(2 * Math.PI * hz * i / sampleRateHz + phase));
        return x;
    }

    public static float[] GaussianNoise(int n, double std, int seed)
    {
        var random = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
            x[i] = (float)(std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return x;
    }
}
