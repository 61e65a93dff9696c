using System.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace Fixpoint.Numerics;

/// <summary>Eigenvalues and spectral radii of dense row-major n×n matrices (Jacobians and their products).</summary>
public static class Spectral
{
    /// <summary>
    /// Eigenvalues of a row-major n×n matrix, sorted by decreasing modulus (then by real part). The matrix is
    /// scaled by its largest entry first (products of Jacobians along long orbits can be tiny or huge). Returns
    /// an empty array when the matrix is not finite or the QR iteration does not converge; callers then fall back
    /// to <see cref="SpectralRadius"/>.
    /// </summary>
    public static Complex[] Eigenvalues(double[] matrix, int n)
    {
        if (n == 1) return double.IsFinite(matrix[0]) ? [new Complex(matrix[0], 0)] : [];
        double scale = 0;
        for (int i = 0; i < n * n; i++) scale = Math.Max(scale, Math.Abs(matrix[i]));
        if (!double.IsFinite(scale)) return [];
        if (scale == 0) return Enumerable.Repeat(Complex.Zero, n).ToArray();
        var m = Matrix<double>.Build.Dense(n, n, (i, j) => matrix[i * n + j] / scale);
        Complex[] ev;
        try { ev = m.Evd(Symmetricity.Asymmetric).EigenValues.Select(e => e * scale).ToArray(); }
        catch (MathNet.Numerics.NonConvergenceException) { return []; }
        if (ev.Any(e => !double.IsFinite(e.Real) || !double.IsFinite(e.Imaginary))) return [];
        return ev.OrderByDescending(e => e.Magnitude).ThenByDescending(e => e.Real).ThenByDescending(e => e.Imaginary).ToArray();
    }

    /// <summary>
    /// ρ(A): the largest eigenvalue modulus when the eigenvalues can be computed, else Gelfand's formula
    /// ρ = lim ‖A^k‖^(1/k) by 40 normalised squarings (k = 2⁴⁰). NaN when A is not finite.
    /// </summary>
    public static double SpectralRadius(double[] matrix, int n)
    {
        Complex[] ev = Eigenvalues(matrix, n);
        return ev.Length > 0 ? ev[0].Magnitude : GelfandRadius(matrix, n);
    }

    /// <summary>ρ(A) = lim ‖A^k‖^(1/k) (max-entry norm), by 40 normalised squarings; NaN when A is not finite.</summary>
    internal static double GelfandRadius(double[] matrix, int n)
    {
        if (matrix.Any(v => !double.IsFinite(v))) return double.NaN;
        var a = (double[])matrix.Clone();
        var t = new double[n * n];
        double logScale = 0, weight = 1;
        for (int step = 0; step < 40; step++)
        {
            double s = a.Max(Math.Abs);
            if (s == 0) return 0;
            for (int i = 0; i < a.Length; i++) a[i] /= s;
            logScale += weight * Math.Log(s);
            weight /= 2;
            Multiply(a, a, n, t);
            (a, t) = (t, a);
        }
        return Math.Exp(logScale + weight * Math.Log(Math.Max(a.Max(Math.Abs), double.Epsilon)));
    }

    /// <summary>
    /// c = a·b for row-major n×n matrices, summed over k in order for each (i, j) and skipping zero entries of a
    /// (Jacobians of sparse layers are mostly zero). <paramref name="c"/> must not overlap a or b.
    /// </summary>
    public static void Multiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int n, Span<double> c)
    {
        c.Slice(0, n * n).Clear();
        for (int i = 0; i < n; i++)
            for (int k = 0; k < n; k++)
            {
                double v = a[i * n + k];
                if (v == 0) continue;
                for (int j = 0; j < n; j++) c[i * n + j] += v * b[k * n + j];
            }
    }
}
