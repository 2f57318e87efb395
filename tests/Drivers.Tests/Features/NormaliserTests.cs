using SensorOdl.Drivers.Features;

namespace SensorOdl.Drivers.Tests.Features;

public class NormaliserTests
{
    [Fact]
    public void Normaliser_standardises_what_it_was_fitted_on()
    {
        var vectors = Enumerable.Range(0, 100).Select(i => new float[] { i, 5, -3 * i + 7 }).ToArray();
        var normaliser = FeatureNormaliser.Fit(vectors);

        var z = vectors.Select(v => { var o = new float[3]; normaliser.Apply(v, o); return o; }).ToArray();

        Assert.Equal(0, z.Average(v => v[0]), 4);
        Assert.Equal(1, Math.Sqrt(z.Average(v => v[0] * v[0])), 4);
        Assert.Equal(0, z.Average(v => v[2]), 4);
        Assert.All(z, v => Assert.Equal(0, v[1])); // constant feature: std floored, no division by zero
    }

    [Fact]
    public void Normaliser_round_trips_through_plain_arrays()
    {
        var normaliser = FeatureNormaliser.FromArrays([1, 2], [0.5f, 4]);
        var (mean, std) = normaliser.ToArrays();
        var again = FeatureNormaliser.FromArrays(mean, std);

        var z = new float[2];
        again.Apply([2, 10], z);
        Assert.Equal([2f, 2f], z);
        again.Invert(z, z);
        Assert.Equal([2f, 10f], z);
    }

    [Fact]
    public void Normaliser_refuses_bad_statistics_and_bad_vectors()
    {
        Assert.Throws<ArgumentException>(() => FeatureNormaliser.FromArrays([1, 2], [1]));
        Assert.Throws<ArgumentException>(() => FeatureNormaliser.FromArrays([1], [0]));
        Assert.Throws<ArgumentException>(() => FeatureNormaliser.FromArrays([float.NaN], [1]));

        var builder = new FeatureNormaliserBuilder(2);
        Assert.False(builder.Add([float.NaN, 1]));
        Assert.True(builder.Add([1, 1]));
        Assert.Equal(1, builder.Count);
    }
}
