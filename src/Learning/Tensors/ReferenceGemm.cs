namespace SensorOdl.Learning.Tensors;

/// <summary>The plain triple loops <see cref="Gemm"/> must agree with; used by tests only.</summary>
public static class ReferenceGemm
{
    /// <summary>c: [m, n] (+)= a: [m, k] · b: [k, n]</summary>
    public static void Multiply(float[] a, float[] b, float[] c, int m, int k, int n, bool accumulate = false)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? c[i * n + j] : 0;
                for (int p = 0; p < k; p++) sum += (double)a[i * k + p] * b[p * n + j];
                c[i * n + j] = (float)sum;
            }
    }

    /// <summary>c: [m, n] (+)= a: [m, k] · bᵀ, b: [n, k]</summary>
    public static void MultiplyTransposedB(float[] a, float[] b, float[] c, int m, int k, int n, bool accumulate = false)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? c[i * n + j] : 0;
                for (int p = 0; p < k; p++) sum += (double)a[i * k + p] * b[j * k + p];
                c[i * n + j] = (float)sum;
            }
    }

    /// <summary>c: [m, n] (+)= aᵀ · b, a: [k, m], b: [k, n]</summary>
    public static void MultiplyTransposedA(float[] a, float[] b, float[] c, int m, int k, int n, bool accumulate = false)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? c[i * n + j] : 0;
                for (int p = 0; p < k; p++) sum += (double)a[p * m + i] * b[p * n + j];
                c[i * n + j] = (float)sum;
            }
    }
}
