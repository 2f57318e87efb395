namespace SensorOdl.Learning.Baselines;

/// <summary>
/// Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: slow (O(d³) per sweep) but short,
/// exact to rounding, and plenty for a baseline fitted once per evaluation.
/// </summary>
public static class SymmetricEigen
{
    /// <param name="a">[d, d] symmetric, row-major; destroyed.</param>
    /// <returns>Eigenvalues [d] in descending order and eigenvectors [d, d], row k the vector of value k.</returns>
    public static (double[] Values, double[] Vectors) Decompose(double[] a, int d, int maxSweeps = 50)
    {
        if (a.Length != d * d) throw new ArgumentException($"Expected a {d}×{d} matrix.");
        var v = new double[d * d]; // columns are eigenvectors while rotating
        for (int i = 0; i < d; i++) v[i * d + i] = 1;
        for (int sweep = 0; sweep < maxSweeps; sweep++)
        {
            double off = 0, diagonal = 0;
            for (int p = 0; p < d; p++)
            {
                diagonal += a[p * d + p] * a[p * d + p];
                for (int q = p + 1; q < d; q++) off += a[p * d + q] * a[p * d + q];
            }
            if (off <= 1e-22 * Math.Max(diagonal, double.Epsilon)) break;
            for (int p = 0; p < d - 1; p++)
                for (int q = p + 1; q < d; q++)
                    Rotate(a, v, d, p, q);
        }
        int[] order = [.. Enumerable.Range(0, d).OrderByDescending(i => a[i * d + i])];
        var values = new double[d];
        var vectors = new double[d * d];
        for (int k = 0; k < d; k++)
        {
            values[k] = a[order[k] * d + order[k]];
            for (int i = 0; i < d; i++) vectors[k * d + i] = v[i * d + order[k]];
        }
        return (values, vectors);
    }

    // Zeroes a[p,q] with one rotation of rows and columns p and q (Golub & Van Loan, algorithm 8.4.2).
    static void Rotate(double[] a, double[] v, int d, int p, int q)
    {
        double apq = a[p * d + q];
        if (Math.Abs(apq) < 1e-300) return;
        double theta = (a[q * d + q] - a[p * d + p]) / (2 * apq);
        double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
        double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < d; k++)
        {
            double akp = a[k * d + p], akq = a[k * d + q];
            a[k * d + p] = c * akp - s * akq;
            a[k * d + q] = s * akp + c * akq;
        }
        for (int k = 0; k < d; k++)
        {
            double apk = a[p * d + k], aqk = a[q * d + k];
            a[p * d + k] = c * apk - s * aqk;
            a[q * d + k] = s * apk + c * aqk;
        }
        for (int k = 0; k < d; k++)
        {
            double vkp = v[k * d + p], vkq = v[k * d + q];
            v[k * d + p] = c * vkp - s * vkq;
            v[k * d + q] = s * vkp + c * vkq;
        }
    }
}
