namespace Fixpoint.Numerics;

/// <summary>Small dense linear algebra on row-major spans, allocation-free where the caller supplies scratch.</summary>
public static class DenseLinearAlgebra
{
    /// <summary>
    /// Solves A x = b in place by LU with partial pivoting (A is n×n, overwritten; b becomes x).
    /// Returns false when a pivot is below <paramref name="relativePivotTolerance"/> × max|A|: A is (numerically) singular.
    /// </summary>
    public static bool SolveInPlace(Span<double> a, Span<double> b, int n, double relativePivotTolerance = 1e-14)
    {
        double scale = 0;
        for (int i = 0; i < n * n; i++) scale = Math.Max(scale, Math.Abs(a[i]));
        if (scale == 0 || !double.IsFinite(scale)) return false;
        double tiny = relativePivotTolerance * scale;
        for (int k = 0; k < n; k++)
        {
            int p = k;
            double best = Math.Abs(a[k * n + k]);
            for (int i = k + 1; i < n; i++)
            {
                double v = Math.Abs(a[i * n + k]);
                if (v > best) { best = v; p = i; }
            }
            if (best <= tiny) return false;
            if (p != k)
            {
                for (int j = 0; j < n; j++) (a[k * n + j], a[p * n + j]) = (a[p * n + j], a[k * n + j]);
                (b[k], b[p]) = (b[p], b[k]);
            }
            double pivot = a[k * n + k];
            for (int i = k + 1; i < n; i++)
            {
                double f = a[i * n + k] / pivot;
                if (f == 0) continue;
                a[i * n + k] = f;
                for (int j = k + 1; j < n; j++) a[i * n + j] -= f * a[k * n + j];
                b[i] -= f * b[k];
            }
        }
        for (int i = n - 1; i >= 0; i--)
        {
            double s = b[i];
            for (int j = i + 1; j < n; j++) s -= a[i * n + j] * b[j];
            b[i] = s / a[i * n + i];
        }
        return true;
    }

    /// <summary>
    /// Solves the symmetric positive definite system A x = b in place by Cholesky (A n×n, overwritten).
    /// Returns false when A is not positive definite, or when the ratio of the smallest to the largest
    /// squared pivot is below <paramref name="minPivotRatio"/> (ill-conditioned).
    /// </summary>
    public static bool CholeskySolveInPlace(Span<double> a, Span<double> b, int n, double minPivotRatio)
    {
        double maxPivot = 0, minPivot = double.PositiveInfinity;
        for (int j = 0; j < n; j++)
        {
            double d = a[j * n + j];
            for (int k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
            if (!(d > 0) || !double.IsFinite(d)) return false;
            maxPivot = Math.Max(maxPivot, d);
            minPivot = Math.Min(minPivot, d);
            double l = Math.Sqrt(d);
            a[j * n + j] = l;
            for (int i = j + 1; i < n; i++)
            {
                double s = a[i * n + j];
                for (int k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
                a[i * n + j] = s / l;
            }
        }
        if (minPivot < minPivotRatio * maxPivot) return false;
        for (int i = 0; i < n; i++)
        {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= a[i * n + k] * b[k];
            b[i] = s / a[i * n + i];
        }
        for (int i = n - 1; i >= 0; i--)
        {
            double s = b[i];
            for (int k = i + 1; k < n; k++) s -= a[k * n + i] * b[k];
            b[i] = s / a[i * n + i];
        }
        return true;
    }

    public static double MaxAbs(ReadOnlySpan<double> x)
    {
        double m = 0;
        foreach (double v in x)
        {
            double a = Math.Abs(v);
            if (double.IsNaN(a)) return double.NaN;
            if (a > m) m = a;
        }
        return m;
    }

    public static double MaxAbsDiff(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        double m = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double a = Math.Abs(x[i] - y[i]);
            if (double.IsNaN(a)) return double.NaN;
            if (a > m) m = a;
        }
        return m;
    }
}
