namespace Fixpoint.Numerics;

/// <summary>A linear operator given by its action: writes A·<paramref name="v"/> into <paramref name="av"/> (length N each, no overlap).</summary>
public delegate void LinearOperator(ReadOnlySpan<double> v, Span<double> av);

/// <summary>How a GMRES solve ended.</summary>
public enum GmresStatus
{
    /// <summary>‖b − A x‖₂ ≤ tolerance · ‖b‖₂ at the returned x.</summary>
    Converged,

    /// <summary>The limit on Arnoldi steps was reached first; x is the last iterate (never worse than the start).</summary>
    MaxIterations,

    /// <summary>A whole restart cycle did not lower the residual, or the Krylov space closed (A singular on it): more iterations cannot help.</summary>
    Stagnated,

    /// <summary>A·v held a NaN or ±∞; x is the iterate before that cycle.</summary>
    NonFinite,
}

/// <summary>The outcome of <see cref="Gmres.Solve"/>.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Iterations">Arnoldi steps taken (each one product with A; the true residual at each restart costs one more).</param>
/// <param name="Residual">‖b − A x‖₂ at the returned x, computed afresh (not the Givens estimate), except for <see cref="GmresStatus.NonFinite"/>, where it is the last finite one.</param>
/// <param name="InitialResidual">‖b − A x₀‖₂ at the given start.</param>
public readonly record struct GmresResult(GmresStatus Status, int Iterations, double Residual, double InitialResidual);

/// <summary>
/// Restarted GMRES(m) (Saad and Schultz 1986) for A x = b with A given only by products A·v: Arnoldi
/// with modified Gram–Schmidt applied twice (so the basis stays orthogonal to working precision even
/// when A is far from normal), the Hessenberg least-squares problem kept triangular by Givens
/// rotations, and the residual recomputed as b − A x at every restart, so the reported residual is
/// the true one. Every sum is sequential: the result depends only on A, b, x₀ and the settings.
/// <para>One instance holds the scratch for one dimension and restart length ((m + 1)·N for the basis,
/// O(m²) for the rest) and reuses it across solves, so a solve allocates nothing; not thread-safe.</para>
/// </summary>
public sealed class Gmres
{
    private readonly int _n;
    private readonly int _m;
    private readonly double[] _v;   // (m + 1) × N basis, row-major
    private readonly double[] _h;   // (m + 1) × m Hessenberg, column j at [j·(m + 1) …], rotated into R in place
    private readonly double[] _cs, _sn, _g, _y, _r;

    public Gmres(int dimension, int restart)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "must be ≥ 1");
        if (restart < 1) throw new ArgumentOutOfRangeException(nameof(restart), restart, "must be ≥ 1");
        _n = dimension;
        _m = Math.Min(restart, dimension);
        _v = new double[(_m + 1) * _n];
        _h = new double[(_m + 1) * _m];
        _cs = new double[_m];
        _sn = new double[_m];
        _g = new double[_m + 1];
        _y = new double[_m];
        _r = new double[_n];
    }

    public int Dimension => _n;

    /// <summary>The restart length m actually used (at most N: the Krylov space cannot grow beyond it).</summary>
    public int Restart => _m;

    /// <summary>
    /// Solves A x = b from the start held in <paramref name="x"/> (overwritten by the solution) until
    /// ‖b − A x‖₂ ≤ <paramref name="tolerance"/> · ‖b‖₂ or <paramref name="maxIterations"/> Arnoldi steps
    /// were taken. Each restart (and the end) recomputes the true residual with one more product, except
    /// at a zero start. Returns the status and that true residual.
    /// </summary>
    public GmresResult Solve(LinearOperator a, ReadOnlySpan<double> b, Span<double> x, double tolerance, int maxIterations)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (b.Length != _n || x.Length != _n) throw new ArgumentException($"b and x must have length {_n}");
        if (!(tolerance >= 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "must be ≥ 0");
        if (maxIterations < 0) throw new ArgumentOutOfRangeException(nameof(maxIterations), maxIterations, "must be ≥ 0");
        int n = _n, m = _m, stride = m + 1;
        double[] v = _v, h = _h, cs = _cs, sn = _sn, g = _g, y = _y, r = _r;
        double target = tolerance * Norm(b);
        int steps = 0;
        double initial = double.NaN, previous = double.PositiveInfinity;
        while (true)
        {
            // The true residual r = b − A x (b itself when x = 0).
            if (IsZero(x)) b.CopyTo(r);
            else
            {
                a(x, r);
                for (int i = 0; i < n; i++) r[i] = b[i] - r[i];
            }
            double beta = Norm(r);
            if (!double.IsFinite(beta)) return new(GmresStatus.NonFinite, steps, previous, double.IsNaN(initial) ? beta : initial);
            if (double.IsNaN(initial)) initial = beta;
            if (beta <= target) return new(GmresStatus.Converged, steps, beta, initial);
            if (steps >= maxIterations) return new(GmresStatus.MaxIterations, steps, beta, initial);
            if (!(beta < previous)) return new(GmresStatus.Stagnated, steps, beta, initial);
            previous = beta;

            Span<double> v0 = v.AsSpan(0, n);
            for (int i = 0; i < n; i++) v0[i] = r[i] / beta;
            Array.Clear(g);
            g[0] = beta;
            int k = 0; // columns built in this cycle
            bool closed = false;
            while (k < m && steps < maxIterations)
            {
                int j = k;
                Span<double> w = v.AsSpan((j + 1) * n, n);
                a(v.AsSpan(j * n, n), w);
                steps++;
                Span<double> hj = h.AsSpan(j * stride, stride);
                hj.Clear();
                for (int pass = 0; pass < 2; pass++)
                    for (int i = 0; i <= j; i++)
                    {
                        ReadOnlySpan<double> vi = v.AsSpan(i * n, n);
                        double c = Dot(w, vi);
                        hj[i] += c;
                        for (int t = 0; t < n; t++) w[t] -= c * vi[t];
                    }
                double hn = Norm(w);
                if (!double.IsFinite(hn)) return new(GmresStatus.NonFinite, steps, previous, initial);
                hj[j + 1] = hn;
                for (int i = 0; i < j; i++)
                {
                    double t0 = cs[i] * hj[i] + sn[i] * hj[i + 1];
                    hj[i + 1] = -sn[i] * hj[i] + cs[i] * hj[i + 1];
                    hj[i] = t0;
                }
                double rho = Hypot(hj[j], hj[j + 1]);
                if (rho == 0) { closed = true; break; } // A maps the space into itself and is singular on it
                cs[j] = hj[j] / rho;
                sn[j] = hj[j + 1] / rho;
                hj[j] = rho;
                hj[j + 1] = 0;
                g[j + 1] = -sn[j] * g[j];
                g[j] *= cs[j];
                k++;
                if (hn == 0) { closed = true; break; } // the space is invariant: the least-squares solution in it is exact
                for (int t = 0; t < n; t++) w[t] /= hn;
                if (Math.Abs(g[k]) <= target) break;
            }
            // y solves the k × k triangle R y = g; x += V y.
            for (int i = k - 1; i >= 0; i--)
            {
                double s = g[i];
                for (int c = i + 1; c < k; c++) s -= h[c * stride + i] * y[c];
                y[i] = s / h[i * stride + i];
            }
            for (int i = 0; i < k; i++)
            {
                ReadOnlySpan<double> vi = v.AsSpan(i * n, n);
                double yi = y[i];
                for (int t = 0; t < n; t++) x[t] += yi * vi[t];
            }
            if (closed && k == 0) return new(GmresStatus.Stagnated, steps, beta, initial);
        }
    }

    private static bool IsZero(ReadOnlySpan<double> x)
    {
        foreach (double e in x)
            if (e != 0) return false;
        return true;
    }

    private static double Dot(ReadOnlySpan<double> u, ReadOnlySpan<double> w)
    {
        double s = 0;
        for (int i = 0; i < u.Length; i++) s = Math.FusedMultiplyAdd(u[i], w[i], s);
        return s;
    }

    // Scaled, so that entries near the overflow or underflow threshold do not lose the norm.
    private static double Norm(ReadOnlySpan<double> u)
    {
        double scale = DenseLinearAlgebra.MaxAbs(u);
        if (double.IsNaN(scale)) return double.NaN;
        if (scale == 0 || !double.IsFinite(scale)) return scale;
        double s = 0;
        foreach (double e in u)
        {
            double q = e / scale;
            s = Math.FusedMultiplyAdd(q, q, s);
        }
        return scale * Math.Sqrt(s);
    }

    private static double Hypot(double p, double q)
    {
        double a = Math.Abs(p), b = Math.Abs(q);
        if (a < b) (a, b) = (b, a);
        if (a == 0) return 0;
        double t = b / a;
        return a * Math.Sqrt(1 + t * t);
    }
}
