namespace Fixpoint.Training;

/// <summary>A power-law fit p(λ) ∝ λ^(−α) for λ ≥ XMin (continuous, maximum likelihood), with its KS distance and tail size.</summary>
public sealed record PowerLawFit(double Alpha, double XMin, double KsDistance, int TailCount);

/// <summary>
/// The two heavy-tail measures recorded while training, kept small and local to the training code:
/// the Hill index of |W_ij| and the power-law exponent of the empirical spectral density of WᵀW
/// (Clauset, Shalizi and Newman 2009; the fit WeightWatcher reports).
/// </summary>
internal static class WeightTails
{
    /// <summary>The Hill estimator uses the largest ⌈HillFraction·n⌉ of the n values.</summary>
    public const double HillFraction = 0.05;

    /// <summary>A power-law tail must hold at least this many eigenvalues.</summary>
    public const int MinTail = 5;

    /// <summary>
    /// Hill (1975): with |w|₍₁₎ ≥ … ≥ |w|₍ₙ₎ and k = max(2, ⌈HillFraction·n⌉),
    /// α̂ = k / Σ_{i=1..k} ln(|w|₍ᵢ₎ / |w|₍ₖ₊₁₎). Gaussian weights give large values that grow with n;
    /// a power-law tail P(|w| &gt; x) ∝ x^(−α) gives ≈ α. NaN when fewer than 3 non-zero values.
    /// </summary>
    public static double Hill(ReadOnlySpan<double> values)
    {
        var a = new double[values.Length];
        int c = 0;
        foreach (double v in values) if (v != 0 && double.IsFinite(v)) a[c++] = Math.Abs(v);
        if (c < 3) return double.NaN;
        Array.Sort(a, 0, c);
        Array.Reverse(a, 0, c);
        int k = Math.Min(c - 1, Math.Max(2, (int)Math.Ceiling(HillFraction * c)));
        double threshold = a[k], s = 0;
        for (int i = 0; i < k; i++) s += Math.Log(a[i] / threshold);
        return s > 0 ? k / s : double.NaN;
    }

    /// <summary>Eigenvalues of WᵀW (or of WWᵀ, the smaller of the two Gram matrices; the non-zero ones agree), ascending.</summary>
    public static double[] GramEigenvalues(double[] w, int rows, int cols)
    {
        bool left = cols <= rows; // WᵀW is cols×cols
        int n = left ? cols : rows;
        var gram = new double[n * n];
        if (left)
        {
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<double> wr = w.AsSpan(r * cols, cols);
                for (int i = 0; i < cols; i++)
                {
                    double a = wr[i];
                    if (a == 0) continue;
                    Span<double> gi = gram.AsSpan(i * n, i + 1);
                    for (int j = 0; j <= i; j++) gi[j] += a * wr[j];
                }
            }
        }
        else
        {
            for (int i = 0; i < rows; i++)
                for (int j = 0; j <= i; j++)
                    gram[i * n + j] = System.Numerics.Tensors.TensorPrimitives.Dot(w.AsSpan(i * cols, cols), w.AsSpan(j * cols, cols));
        }
        for (int i = 0; i < n; i++)
            for (int j = 0; j < i; j++) gram[j * n + i] = gram[i * n + j];
        double[] ev = SymmetricEigenvalues(gram, n);
        Array.Sort(ev);
        return ev;
    }

    /// <summary>
    /// Eigenvalues of a symmetric n×n matrix (row-major; overwritten), without eigenvectors: Householder
    /// reduction to tridiagonal form, then the implicit QL algorithm with Wilkinson shifts (the EISPACK
    /// tred2/tql1 pair). About 4n³/3 flops, several times cheaper than a full decomposition with vectors.
    /// </summary>
    public static double[] SymmetricEigenvalues(double[] a, int n)
    {
        var d = new double[n];
        var e = new double[n];
        for (int i = n - 1; i > 0; i--)
        {
            int l = i - 1;
            double h = 0, scale = 0;
            if (l > 0)
            {
                for (int k = 0; k < i; k++) scale += Math.Abs(a[i * n + k]);
                if (scale == 0) e[i] = a[i * n + l];
                else
                {
                    for (int k = 0; k < i; k++)
                    {
                        a[i * n + k] /= scale;
                        h += a[i * n + k] * a[i * n + k];
                    }
                    double f = a[i * n + l];
                    double g = f >= 0 ? -Math.Sqrt(h) : Math.Sqrt(h);
                    e[i] = scale * g;
                    h -= f * g;
                    a[i * n + l] = f - g;
                    f = 0;
                    for (int j = 0; j < i; j++)
                    {
                        g = 0;
                        for (int k = 0; k <= j; k++) g += a[j * n + k] * a[i * n + k];
                        for (int k = j + 1; k < i; k++) g += a[k * n + j] * a[i * n + k];
                        e[j] = g / h;
                        f += e[j] * a[i * n + j];
                    }
                    double hh = f / (h + h);
                    for (int j = 0; j < i; j++)
                    {
                        f = a[i * n + j];
                        e[j] = g = e[j] - hh * f;
                        for (int k = 0; k <= j; k++) a[j * n + k] -= f * e[k] + g * a[i * n + k];
                    }
                }
            }
            else e[i] = a[i * n + l];
            d[i] = h;
        }
        for (int i = 0; i < n; i++) d[i] = a[i * n + i];
        for (int i = 1; i < n; i++) e[i - 1] = e[i];
        if (n > 0) e[n - 1] = 0;
        for (int l = 0; l < n; l++)
        {
            int iter = 0, m;
            do
            {
                for (m = l; m < n - 1; m++)
                {
                    double dd = Math.Abs(d[m]) + Math.Abs(d[m + 1]);
                    if (Math.Abs(e[m]) <= double.Epsilon + 1e-16 * dd) break;
                }
                if (m != l)
                {
                    if (iter++ == 60) throw new ArithmeticException("the QL iteration did not converge");
                    double g = (d[l + 1] - d[l]) / (2.0 * e[l]);
                    double r = Hypot(g, 1.0);
                    g = d[m] - d[l] + e[l] / (g + (g >= 0 ? Math.Abs(r) : -Math.Abs(r)));
                    double s = 1, c = 1, p = 0;
                    int i;
                    for (i = m - 1; i >= l; i--)
                    {
                        double f = s * e[i], b = c * e[i];
                        e[i + 1] = r = Hypot(f, g);
                        if (r == 0)
                        {
                            d[i + 1] -= p;
                            e[m] = 0;
                            break;
                        }
                        s = f / r;
                        c = g / r;
                        g = d[i + 1] - p;
                        r = (d[i] - g) * s + 2.0 * c * b;
                        d[i + 1] = g + (p = s * r);
                        g = c * r - b;
                    }
                    if (r == 0 && i >= l) continue;
                    d[l] -= p;
                    e[l] = g;
                    e[m] = 0;
                }
            } while (m != l);
        }
        return d;
    }

    private static double Hypot(double a, double b)
    {
        double x = Math.Abs(a), y = Math.Abs(b);
        if (x < y) (x, y) = (y, x);
        if (x == 0) return 0;
        double t = y / x;
        return x * Math.Sqrt(1 + t * t);
    }

    /// <summary>
    /// Fits p(λ) ∝ λ^(−α) to the upper tail of <paramref name="eigenvalues"/>: for each candidate
    /// λ_min among the values (with at least <see cref="MinTail"/> at or above it) the MLE
    /// α = 1 + n_tail / Σ ln(λ/λ_min), keeping the candidate whose fitted CDF is nearest the empirical
    /// one in KS distance. Null when fewer than <see cref="MinTail"/> positive values.
    /// </summary>
    public static PowerLawFit? PowerLaw(IReadOnlyList<double> eigenvalues)
    {
        double max = eigenvalues.Count == 0 ? 0 : eigenvalues.Max();
        var x = eigenvalues.Where(v => v > 1e-12 * max && double.IsFinite(v)).OrderBy(v => v).ToArray();
        if (x.Length < MinTail) return null;
        PowerLawFit? best = null;
        for (int j = 0; j + MinTail <= x.Length; j++)
        {
            if (j > 0 && x[j] == x[j - 1]) continue;
            double xmin = x[j];
            int nt = x.Length - j;
            double s = 0;
            for (int i = j; i < x.Length; i++) s += Math.Log(x[i] / xmin);
            if (!(s > 0)) continue;
            double alpha = 1.0 + nt / s;
            double d = 0;
            for (int i = j; i < x.Length; i++)
            {
                double fit = 1.0 - Math.Pow(x[i] / xmin, 1.0 - alpha);
                double lo = (double)(i - j) / nt, hi = (double)(i - j + 1) / nt;
                d = Math.Max(d, Math.Max(Math.Abs(fit - lo), Math.Abs(fit - hi)));
            }
            if (best is null || d < best.KsDistance) best = new PowerLawFit(alpha, xmin, d, nt);
        }
        return best;
    }
}
