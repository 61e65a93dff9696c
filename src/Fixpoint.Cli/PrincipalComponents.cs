using System.Numerics.Tensors;

namespace Fixpoint.Cli;

/// <summary>The plane of the two leading principal components of a point set, and the share of the variance it carries.</summary>
/// <param name="Mean">The points' mean; the plane passes through it.</param>
/// <param name="First">Unit vector of the largest variance.</param>
/// <param name="Second">Unit vector of the next largest variance, orthogonal to <paramref name="First"/>.</param>
/// <param name="Share">(σ₁² + σ₂²) / Σσ²; 1 when the points do not vary at all.</param>
/// <param name="Steps">Lanczos steps taken.</param>
internal sealed record PrincipalPlane(double[] Mean, double[] First, double[] Second, double Share, int Steps)
{
    /// <summary>The coordinates of <paramref name="p"/> in the plane.</summary>
    public (double X, double Y) Project(ReadOnlySpan<double> p)
    {
        double x = 0, y = 0;
        for (int j = 0; j < Mean.Length; j++)
        {
            double d = p[j] - Mean[j];
            x += d * First[j];
            y += d * Second[j];
        }
        return (x, y);
    }
}

/// <summary>The leading principal axes of a point set (largest variance first) and the share of the variance they carry.</summary>
/// <param name="Mean">The points' mean.</param>
/// <param name="Axes">Orthonormal unit vectors, by decreasing variance.</param>
/// <param name="Share">Σ of the axes' σ² / Σσ²; 1 when the points do not vary at all.</param>
/// <param name="Steps">Lanczos steps taken.</param>
internal sealed record PrincipalAxes(double[] Mean, double[][] Axes, double Share, int Steps)
{
    /// <summary>The coordinates of <paramref name="p"/> on the axes.</summary>
    public double[] Project(ReadOnlySpan<double> p)
    {
        var y = new double[Axes.Length];
        for (int j = 0; j < Mean.Length; j++)
        {
            double d = p[j] - Mean[j];
            for (int a = 0; a < y.Length; a++) y[a] += d * Axes[a][j];
        }
        return y;
    }
}

/// <summary>
/// The two (or more) leading eigenvectors of the N×N covariance C = XᵀX of the centred points X (m×N), by Lanczos with full
/// reorthogonalisation on v ↦ Cv. Where it is cheaper (many points of a few hundred coordinates at most) C is formed,
/// m·N²/2, and a step costs N²; otherwise a step is one pass over X, v ↦ Xᵀ(Xv), and C is never formed. Either way no
/// U of an SVD is formed: the cost is O(k·m·N) for k steps, where a full SVD of X with U is O(m²N). Lanczos stops when the two leading
/// Ritz pairs' residuals are below <see cref="RelativeResidual"/> times the leading eigenvalue, or when the Krylov space
/// is invariant (at most rank(X) + 1 steps), so on small sets the plane is the SVD's, up to the signs of the axes.
/// </summary>
internal static class PrincipalComponents
{
    public const double RelativeResidual = 1e-11;

    /// <summary>More steps than this stop with the current Ritz vectors (the nearly flat spectrum of many random starts).</summary>
    public const int MaxSteps = 400;

    /// <param name="points">m rows of length n, row-major.</param>
    public static PrincipalPlane Leading(ReadOnlySpan<double> points, int m, int n)
    {
        PrincipalAxes a = LeadingAxes(points, m, n, Math.Min(2, n));
        return new PrincipalPlane(a.Mean, a.Axes[0], a.Axes.Length > 1 ? a.Axes[1] : [0.0], a.Share, a.Steps);
    }

    /// <summary>The <paramref name="count"/> leading principal axes (count ≤ n); where the points span fewer directions the rest are any orthonormal completion.</summary>
    /// <param name="points">m rows of length n, row-major.</param>
    public static PrincipalAxes LeadingAxes(ReadOnlySpan<double> points, int m, int n, int count)
    {
        if (m < 1 || n < 1 || points.Length != m * n) throw new ArgumentException("points must hold m ≥ 1 rows of n ≥ 1 values");
        if (count < 1 || count > n) throw new ArgumentException($"count must be in 1 … n = {n} (got {count})");
        var mean = new double[n];
        for (int i = 0; i < m; i++) TensorPrimitives.Add(mean, points.Slice(i * n, n), mean);
        TensorPrimitives.Divide(mean, m, mean);
        var x = new double[m * n];
        for (int i = 0; i < m; i++) TensorPrimitives.Subtract(points.Slice(i * n, n), mean, x.AsSpan(i * n, n));
        double total = TensorPrimitives.Dot<double>(x, x);
        if (!(total > 0)) return new PrincipalAxes(mean, [.. Enumerable.Range(0, count).Select(j => Axis(n, j))], 1.0, 0);

        int limit = Math.Min(MaxSteps, Math.Min(m, n) + 1);
        Action<double[], double[]> apply = FormCovariance(m, n) ? Formed(Covariance(x, m, n), n) : (q, w) => Product(x, m, n, q, w);
        var basis = new List<double[]>();
        var alpha = new List<double>();
        var beta = new List<double>();
        var q = StartVector(n);
        var w = new double[n];
        (double[] Values, double[,] Vectors)? ritz = null;
        int nextCheck = 4;
        while (true)
        {
            basis.Add(q);
            apply(q, w);
            double a = TensorPrimitives.Dot<double>(q, w);
            alpha.Add(a);
            // Two passes of classical Gram–Schmidt against the whole basis keep it orthogonal to rounding.
            for (int pass = 0; pass < 2; pass++)
                foreach (double[] b in basis) TensorPrimitives.MultiplyAdd(b, -TensorPrimitives.Dot<double>(b, w), w, w);
            double bk = TensorPrimitives.Norm<double>(w);
            int k = basis.Count;
            bool invariant = bk <= 1e-13 * total; // total = trace ≥ the operator's norm
            if (invariant && k < limit && k < n)
            {
                // One start vector sees one vector of each eigenspace: a repeated eigenvalue (the corners of a cube: three
                // equal variances) leaves the rest of its eigenspace outside the Krylov space. When variance is left
                // outside (the trace of T is what the basis holds), Lanczos goes on from a fresh vector orthogonal to the basis.
                double held = 0;
                foreach (double v in alpha) held += v;
                if (total - held > 1e-10 * total && Fresh(basis, n) is double[] fresh)
                {
                    beta.Add(0);
                    q = fresh;
                    continue;
                }
            }
            if (invariant || k >= limit || k >= n || k == nextCheck)
            {
                ritz = Ritz(alpha, beta);
                if (invariant || k >= limit || k >= n || Converged(ritz.Value, bk, count)) break;
                nextCheck = k + Math.Max(4, k / 4);
            }
            beta.Add(bk);
            q = new double[n];
            TensorPrimitives.Divide(w, bk, q);
        }

        (double[] values, double[,] vectors) = ritz!.Value;
        int kk = values.Length;
        var axes = new List<double[]>();
        double leading = 0;
        for (int a = 0; a < count && a < kk; a++)
        {
            axes.Add(RitzVector(basis, vectors, kk - 1 - a, n));
            leading += Math.Max(values[kk - 1 - a], 0);
        }
        while (axes.Count < count) axes.Add(Orthogonal(axes));
        return new PrincipalAxes(mean, [.. axes], Math.Min(1.0, leading / total), kk);
    }

    /// <summary>
    /// Whether forming C (one product of m·N² multiply-adds, at about 8 times the rate of the row-by-row passes; then N² a
    /// step) costs less than passing over X at each step (2·m·N, plus a call per row worth about 40 multiply-adds), for the
    /// ≈ 120 steps that 2000 random starts take.
    /// </summary>
    internal static bool FormCovariance(int m, int n)
    {
        const double steps = 120, rowCall = 40, productRate = 8;
        return (double)m * n * n / productRate + steps * n * n < 2 * steps * m * (n + rowCall);
    }

    /// <summary>C = XᵀX, row-major, as one matrix product Xᵀ·X through the affine kernel (rank-one updates row by row took 0.2 s at 2000 × 256).</summary>
    private static double[] Covariance(double[] x, int m, int n)
    {
        double[] xt = Fixpoint.Numerics.DenseLinearAlgebra.Transpose(x, m, n);
        var c = new double[n * n];
        Fixpoint.Numerics.Gemm.AffineRows(xt, n, m, x, n, new double[n], c);
        // The kernel's sums for c[j, l] and c[l, j] run over the same products in the same order, but make C exactly symmetric anyway.
        for (int j = 0; j < n; j++)
            for (int l = j + 1; l < n; l++) c[l * n + j] = c[j * n + l];
        return c;
    }

    private static Action<double[], double[]> Formed(double[] c, int n) => (q, w) =>
    {
        for (int j = 0; j < n; j++) w[j] = TensorPrimitives.Dot(c.AsSpan(j * n, n), q);
    };

    /// <summary>w = Xᵀ(X q), one pass over the rows of X.</summary>
    private static void Product(double[] x, int m, int n, double[] q, double[] w)
    {
        Array.Clear(w);
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<double> row = x.AsSpan(i * n, n);
            TensorPrimitives.MultiplyAdd(row, TensorPrimitives.Dot(row, q), w, w);
        }
    }

    /// <summary>
    /// Eigenvalues of the Lanczos tridiagonal (ascending) with their eigenvectors as columns: the implicit QL algorithm
    /// (EISPACK tql2), O(k²) a value. Done here rather than by a general dense solver, whose first call in a process
    /// costs more than the whole PCA.
    /// </summary>
    private static (double[] Values, double[,] Vectors) Ritz(List<double> alpha, List<double> beta)
    {
        int k = alpha.Count;
        double[] d = [.. alpha];
        var e = new double[k];
        for (int i = 0; i + 1 < k; i++) e[i] = beta[i];
        var v = new double[k, k];
        for (int i = 0; i < k; i++) v[i, i] = 1;
        double f = 0, tst1 = 0, eps = Math.Pow(2, -52);
        for (int l = 0; l < k; l++)
        {
            tst1 = Math.Max(tst1, Math.Abs(d[l]) + Math.Abs(e[l]));
            int m = l;
            while (m < k - 1 && Math.Abs(e[m]) > eps * tst1) m++;
            if (m > l)
            {
                do
                {
                    double g = d[l];
                    double p = (d[l + 1] - g) / (2 * e[l]);
                    double r = Math.Sqrt(p * p + 1);
                    if (p < 0) r = -r;
                    d[l] = e[l] / (p + r);
                    d[l + 1] = e[l] * (p + r);
                    double dl1 = d[l + 1];
                    double h = g - d[l];
                    for (int i = l + 2; i < k; i++) d[i] -= h;
                    f += h;
                    p = d[m];
                    double c = 1, c2 = 1, c3 = 1, el1 = e[l + 1], s = 0, s2 = 0;
                    for (int i = m - 1; i >= l; i--)
                    {
                        c3 = c2; c2 = c; s2 = s;
                        g = c * e[i];
                        h = c * p;
                        r = Math.Sqrt(p * p + e[i] * e[i]);
                        e[i + 1] = s * r;
                        s = e[i] / r;
                        c = p / r;
                        p = c * d[i] - s * g;
                        d[i + 1] = h + s * (c * g + s * d[i]);
                        for (int j = 0; j < k; j++)
                        {
                            h = v[j, i + 1];
                            v[j, i + 1] = s * v[j, i] + c * h;
                            v[j, i] = c * v[j, i] - s * h;
                        }
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1;
                    e[l] = s * p;
                    d[l] = c * p;
                } while (Math.Abs(e[l]) > eps * tst1);
            }
            d[l] += f;
            e[l] = 0;
        }
        int[] order = Enumerable.Range(0, k).OrderBy(i => d[i]).ToArray();
        var sorted = new double[k, k];
        for (int c = 0; c < k; c++)
            for (int j = 0; j < k; j++) sorted[j, c] = v[j, order[c]];
        return (order.Select(i => d[i]).ToArray(), sorted);
    }

    /// <summary>The residual of Ritz pair i is β_k·|s_{k,i}| (the last component of its eigenvector of T); the <paramref name="count"/> leading pairs must be converged.</summary>
    private static bool Converged((double[] Values, double[,] Vectors) ritz, double betaK, int count)
    {
        int k = ritz.Values.Length;
        int need = Math.Max(2, count);
        if (k < need) return false;
        double scale = Math.Abs(ritz.Values[k - 1]);
        for (int i = k - need; i < k; i++)
            if (betaK * Math.Abs(ritz.Vectors[k - 1, i]) > RelativeResidual * scale) return false;
        return true;
    }

    private static double[] RitzVector(List<double[]> basis, double[,] vectors, int column, int n)
    {
        var y = new double[n];
        for (int j = 0; j < basis.Count; j++) TensorPrimitives.MultiplyAdd(basis[j], vectors[j, column], y, y);
        TensorPrimitives.Divide(y, TensorPrimitives.Norm<double>(y), y);
        return y;
    }

    /// <summary>A unit vector orthogonal to the basis, from a start of its own (null when the basis spans everything, to rounding).</summary>
    private static double[]? Fresh(List<double[]> basis, int n)
    {
        double[] q = StartVector(n, (ulong)basis.Count);
        for (int pass = 0; pass < 2; pass++)
            foreach (double[] b in basis) TensorPrimitives.MultiplyAdd(b, -TensorPrimitives.Dot<double>(b, q), q, q);
        double norm = TensorPrimitives.Norm<double>(q);
        if (!(norm > 1e-8)) return null;
        TensorPrimitives.Divide(q, norm, q);
        return q;
    }

    /// <summary>A fixed start with every component non-zero and no structure, so no eigenvector is orthogonal to it by construction.</summary>
    private static double[] StartVector(int n, ulong stream = 0)
    {
        var q = new double[n];
        ulong s = 0x9E3779B97F4A7C15UL ^ (stream * 0xD1B54A32D192ED03UL);
        for (int j = 0; j < n; j++)
        {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            q[j] = 0.5 + (s >> 11) * (1.0 / (1UL << 53));
        }
        TensorPrimitives.Divide(q, TensorPrimitives.Norm<double>(q), q);
        return q;
    }

    /// <summary>
    /// Points that span fewer directions than asked for: any unit vector orthogonal to the axes found is the next one
    /// (every point projects to 0 on it). It is the coordinate axis that keeps the most after Gram–Schmidt.
    /// </summary>
    private static double[] Orthogonal(List<double[]> axes)
    {
        int n = axes[0].Length;
        double[]? best = null;
        double bestNorm = -1;
        for (int j = 0; j < n; j++)
        {
            double[] e = Axis(n, j);
            for (int pass = 0; pass < 2; pass++)
                foreach (double[] a in axes) TensorPrimitives.MultiplyAdd(a, -TensorPrimitives.Dot<double>(a, e), e, e);
            double norm = TensorPrimitives.Norm<double>(e);
            if (norm > bestNorm) { best = e; bestNorm = norm; }
        }
        TensorPrimitives.Divide(best!, bestNorm, best!);
        return best!;
    }

    private static double[] Axis(int n, int j)
    {
        var e = new double[n];
        e[j] = 1;
        return e;
    }
}
