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
    /// Every eigenvalue of a row-major n×n matrix with its eigenvector, in the order of <see cref="Eigenvalues"/> (the same
    /// scaled EVD, so the values are the same bits). A real λ has a real unit vector (<c>Im</c> null); a complex λ has
    /// v = Re + i·Im with ‖Re‖² + ‖Im‖² = 1, and λ̄ has the conjugate vector. Empty where <see cref="Eigenvalues"/> is.
    /// The sign (phase) of each vector is fixed so that its entry of largest modulus is real and positive, which makes the
    /// vectors a function of the matrix, not of the QR iteration's path.
    /// </summary>
    public static EigenPair[] EigenPairs(double[] matrix, int n)
    {
        if (n == 1) return double.IsFinite(matrix[0]) ? [new EigenPair(new Complex(matrix[0], 0), [1.0], null)] : [];
        double scale = 0;
        for (int i = 0; i < n * n; i++) scale = Math.Max(scale, Math.Abs(matrix[i]));
        if (!double.IsFinite(scale)) return [];
        if (scale == 0) return Enumerable.Range(0, n).Select(k => { var e = new double[n]; e[k] = 1; return new EigenPair(Complex.Zero, e, null); }).ToArray();
        var m = Matrix<double>.Build.Dense(n, n, (i, j) => matrix[i * n + j] / scale);
        MathNet.Numerics.LinearAlgebra.Factorization.Evd<double> evd;
        try { evd = m.Evd(Symmetricity.Asymmetric); }
        catch (MathNet.Numerics.NonConvergenceException) { return []; }
        var pairs = new List<EigenPair>(n);
        Matrix<double> vec = evd.EigenVectors;
        for (int c = 0; c < n; c++)
        {
            Complex ev = evd.EigenValues[c] * scale;
            if (!double.IsFinite(ev.Real) || !double.IsFinite(ev.Imaginary)) return [];
            bool pair = c + 1 < n && ev.Imaginary != 0 && evd.EigenValues[c + 1] == Complex.Conjugate(evd.EigenValues[c]);
            if (!pair)
            {
                double[] u = vec.Column(c).ToArray();
                pairs.Add(new EigenPair(ev, Normalised(u, null).Re, null));
                continue;
            }
            double[] re = vec.Column(c).ToArray(), im = vec.Column(c + 1).ToArray();
            var top = new Complex(ev.Real, Math.Abs(ev.Imaginary));
            // Whichever of re ± i·im belongs to the eigenvalue with Im > 0 (the packing's sign convention is not relied on).
            double[] flipped = im.Select(v => -v).ToArray();
            if (PairResidual(matrix, n, re, im, top) > PairResidual(matrix, n, re, flipped, top)) im = flipped;
            (double[] r, double[]? i) = Normalised(re, im);
            pairs.Add(new EigenPair(top, r, i));
            pairs.Add(new EigenPair(Complex.Conjugate(top), r, i!.Select(v => -v).ToArray()));
            c++;
        }
        return pairs.OrderByDescending(e => e.Value.Magnitude).ThenByDescending(e => e.Value.Real).ThenByDescending(e => e.Value.Imaginary).ToArray();
    }

    /// <summary>‖A v − λ v‖₂ for v = re + i·im (im null: real) and a row-major n×n matrix A.</summary>
    public static double PairResidual(ReadOnlySpan<double> a, int n, ReadOnlySpan<double> re, ReadOnlySpan<double> im, Complex lambda)
    {
        double s = 0;
        bool complex = im.Length == n;
        for (int i = 0; i < n; i++)
        {
            double ar = 0, ai = 0;
            for (int j = 0; j < n; j++)
            {
                double aij = a[i * n + j];
                ar += aij * re[j];
                if (complex) ai += aij * im[j];
            }
            double vi = complex ? im[i] : 0;
            double dr = ar - (lambda.Real * re[i] - lambda.Imaginary * vi);
            double di = ai - (lambda.Imaginary * re[i] + lambda.Real * vi);
            s += dr * dr + di * di;
        }
        return Math.Sqrt(s);
    }

    /// <summary>Scales re + i·im to unit 2-norm and turns its phase so that the entry of largest modulus is real and positive.</summary>
    internal static (double[] Re, double[]? Im) Normalised(double[] re, double[]? im)
    {
        int n = re.Length, top = 0;
        double best = -1, norm = 0;
        for (int k = 0; k < n; k++)
        {
            double m2 = re[k] * re[k] + (im is null ? 0 : im[k] * im[k]);
            norm += m2;
            if (m2 > best) { best = m2; top = k; }
        }
        norm = Math.Sqrt(norm);
        if (norm == 0) return (re, im);
        // Multiply by conj(z)/|z| for z the largest entry, then by 1/‖v‖.
        double zr = re[top], zi = im is null ? 0 : im[top], zm = Math.Sqrt(zr * zr + zi * zi);
        double cr = zr / zm / norm, ci = -zi / zm / norm;
        var r = new double[n];
        var i = im is null ? null : new double[n];
        for (int k = 0; k < n; k++)
        {
            double a = re[k], b = im is null ? 0 : im[k];
            r[k] = a * cr - b * ci;
            if (i is not null) i[k] = a * ci + b * cr;
        }
        if (i is not null) i[top] = 0;
        return (r, i);
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

/// <summary>One eigenvalue with its eigenvector v = <see cref="Re"/> + i·<see cref="Im"/> (‖v‖₂ = 1; <see cref="Im"/> null for a real eigenvalue).</summary>
public sealed record EigenPair(Complex Value, double[] Re, double[]? Im);
