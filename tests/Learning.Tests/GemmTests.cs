using SensorOdl.Learning.Tensors;

namespace SensorOdl.Learning.Tests;

public class GemmTests
{
    static float[] Random(int n, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1))];
    }

    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 }, { 3, 5, 7 }, { 4, 25, 784 }, { 6, 25, 784 }, { 16, 150, 100 }, { 5, 17, 33 }, { 32, 400, 120 }, { 9, 3, 16 },
    };

    [Theory, MemberData(nameof(Shapes))]
    public void Multiply_agrees_with_the_reference(int m, int k, int n)
    {
        float[] a = Random(m * k, 1), b = Random(k * n, 2), c = Random(m * n, 3), expected = (float[])c.Clone();
        Gemm.Multiply(a, b, c, m, k, n, accumulate: true);
        ReferenceGemm.Multiply(a, b, expected, m, k, n, accumulate: true);
        AssertClose(expected, c, k);
        Gemm.Multiply(a, b, c, m, k, n);
        ReferenceGemm.Multiply(a, b, expected, m, k, n);
        AssertClose(expected, c, k);
    }

    [Theory, MemberData(nameof(Shapes))]
    public void Multiply_with_b_transposed_agrees_with_the_reference(int m, int k, int n)
    {
        float[] a = Random(m * k, 4), b = Random(n * k, 5), c = Random(m * n, 6), expected = (float[])c.Clone();
        Gemm.MultiplyTransposedB(a, b, c, m, k, n, accumulate: true);
        ReferenceGemm.MultiplyTransposedB(a, b, expected, m, k, n, accumulate: true);
        AssertClose(expected, c, k);
    }

    [Theory, MemberData(nameof(Shapes))]
    public void Multiply_with_a_transposed_agrees_with_the_reference(int m, int k, int n)
    {
        float[] a = Random(k * m, 7), b = Random(k * n, 8), c = Random(m * n, 9), expected = (float[])c.Clone();
        Gemm.MultiplyTransposedA(a, b, c, m, k, n, accumulate: true);
        ReferenceGemm.MultiplyTransposedA(a, b, expected, m, k, n, accumulate: true);
        AssertClose(expected, c, k);
    }

    [Fact]
    public void Short_spans_are_refused()
    {
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[5], new float[6], new float[6], 2, 3, 2));
    }

    static void AssertClose(float[] expected, float[] actual, int k)
    {
        float tolerance = 1e-5f * (k + 1);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: expected {expected[i]}, got {actual[i]}");
    }
}
