using SensorOdl.Learning.Tensors;

namespace SensorOdl.Learning.Tests;

public class GemmTests
{
    static float[] Random(int n, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1))];
    }

    // LeNet-5's shapes, adapter ranks (the spectrum model's down-projection: 16 × 511 · (4 × 511)ᵀ), and sizes on either side of the 6-row sliver and 8/16-column panel.
    static readonly (int M, int K, int N)[] ShapeList =
    [
        (1, 1, 1), (3, 5, 7), (4, 25, 784), (6, 25, 784), (16, 150, 100), (5, 17, 33), (32, 400, 120), (9, 3, 16),
        (32, 120, 84), (32, 84, 10), (150, 16, 100), (120, 32, 400), (7, 9, 8), (6, 1, 16), (13, 31, 17), (2, 64, 15),
        (12, 0, 9), (1, 40, 47), (32, 4, 400), (32, 10, 4), (16, 511, 4), (3, 16, 7),
    ];

    public static TheoryData<GemmKernel, int, int, int> Cases()
    {
        var data = new TheoryData<GemmKernel, int, int, int>();
        foreach (GemmKernel kernel in Enum.GetValues<GemmKernel>())
            foreach ((int m, int k, int n) in ShapeList) data.Add(kernel, m, k, n);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Multiply_agrees_with_the_reference(GemmKernel kernel, int m, int k, int n)
    {
        if (!Gemm.IsSupported(kernel)) return; // e.g. Vector256 on ARM64, where it would be emulated
        float[] a = Random(m * k, 1), b = Random(k * n, 2), c = Random(m * n, 3), expected = (float[])c.Clone();
        Gemm.Multiply(a, b, c, m, k, n, accumulate: true, kernel);
        ReferenceGemm.Multiply(a, b, expected, m, k, n, accumulate: true);
        AssertClose(expected, c, k);
        Gemm.Multiply(a, b, c, m, k, n, kernel: kernel);
        ReferenceGemm.Multiply(a, b, expected, m, k, n);
        AssertClose(expected, c, k);
    }

    [Theory, MemberData(nameof(Cases))]
    public void Multiply_with_b_transposed_agrees_with_the_reference(GemmKernel kernel, int m, int k, int n)
    {
        if (!Gemm.IsSupported(kernel)) return;
        float[] a = Random(m * k, 4), b = Random(n * k, 5), c = Random(m * n, 6), expected = (float[])c.Clone();
        Gemm.MultiplyTransposedB(a, b, c, m, k, n, accumulate: true, kernel);
        ReferenceGemm.MultiplyTransposedB(a, b, expected, m, k, n, accumulate: true);
        AssertClose(expected, c, k);
        Gemm.MultiplyTransposedB(a, b, c, m, k, n, kernel: kernel);
        ReferenceGemm.MultiplyTransposedB(a, b, expected, m, k, n);
        AssertClose(expected, c, k);
    }

    [Theory, MemberData(nameof(Cases))]
    public void Multiply_with_a_transposed_agrees_with_the_reference(GemmKernel kernel, int m, int k, int n)
    {
        if (!Gemm.IsSupported(kernel)) return;
        float[] a = Random(k * m, 7), b = Random(k * n, 8), c = Random(m * n, 9), expected = (float[])c.Clone();
        Gemm.MultiplyTransposedA(a, b, c, m, k, n, accumulate: true, kernel);
        ReferenceGemm.MultiplyTransposedA(a, b, expected, m, k, n, accumulate: true);
        AssertClose(expected, c, k);
        Gemm.MultiplyTransposedA(a, b, c, m, k, n, kernel: kernel);
        ReferenceGemm.MultiplyTransposedA(a, b, expected, m, k, n);
        AssertClose(expected, c, k);
    }

    [Fact]
    public void The_vector_kernels_run_in_hardware_on_this_machine()
    {
        // The test machines are x64 with AVX2 or ARM64 with AdvSimd: at least one vector path is really tested.
        Assert.NotEqual(GemmKernel.Scalar, Gemm.Best);
        Assert.True(Gemm.IsSupported(GemmKernel.Vector128));
    }

    [Fact]
    public void Values_outside_the_result_are_left_alone()
    {
        // c longer than m·n: edge tiles must write only their valid rows and columns.
        foreach (GemmKernel kernel in Enum.GetValues<GemmKernel>().Where(Gemm.IsSupported))
        {
            float[] a = Random(7 * 9, 10), b = Random(9 * 13, 11), c = new float[7 * 13 + 5];
            c.AsSpan(7 * 13).Fill(42f);
            Gemm.Multiply(a, b, c, 7, 9, 13, kernel: kernel);
            Assert.All(c[(7 * 13)..], value => Assert.Equal(42f, value));
        }
    }

    [Fact]
    public void Short_spans_are_refused()
    {
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[5], new float[6], new float[6], 2, 3, 2));
    }

    // Relative to the size of the terms summed, as float32 rounding grows with them.
    static void AssertClose(float[] expected, float[] actual, int k)
    {
        float tolerance = 1e-5f * (k + 2);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: expected {expected[i]}, got {actual[i]}");
    }
}
