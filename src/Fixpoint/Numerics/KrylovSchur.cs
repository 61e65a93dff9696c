using System.Numerics;
using System.Numerics.Tensors;
using MathNet.Numerics.LinearAlgebra;

namespace Fixpoint.Numerics;

/// <summary>Settings of <see cref="KrylovSchur"/>; every value is checked when set.</summary>
public sealed record KrylovSchurOptions
{
    /// <summary>Eigenvalues with |λ| ≥ 1 − 0.05 are all wanted: the ring the stability verdict needs, with room.</summary>
    public const double DefaultMargin = 0.05;
    public const int DefaultLeading = 6;
    public const double DefaultTolerance = 1e-12;
    public const int DefaultBasis = 40;
    public const int DefaultMaxProducts = 50_000;

    private readonly double _margin = DefaultMargin;
    private readonly int _leading = DefaultLeading;
    private readonly double _tolerance = DefaultTolerance;
    private readonly int _basis = DefaultBasis;
    private readonly int _maxProducts = DefaultMaxProducts;

    /// <summary>Every eigenvalue with |λ| ≥ 1 − Margin is computed, so that the eigenvalues on and outside the unit circle are all among them.</summary>
    public double Margin { get => _margin; init => _margin = value >= 0 && value < 1 ? value : throw new ArgumentOutOfRangeException(nameof(Margin), value, "must be in [0, 1)"); }

    /// <summary>At least this many eigenvalues of largest modulus are computed, and always one more than those with |λ| ≥ 1 − Margin.</summary>
    public int Leading { get => _leading; init => _leading = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Leading), value, "must be ≥ 1"); }

    /// <summary>A Ritz pair (θ, y), ‖y‖₂ = 1, is converged when ‖A y − θ y‖₂ ≤ Tolerance · max(1, |θ|).</summary>
    public double Tolerance { get => _tolerance; init => _tolerance = value > 0 && value < 1 ? value : throw new ArgumentOutOfRangeException(nameof(Tolerance), value, "must be in (0, 1)"); }

    /// <summary>The smallest Krylov basis; it grows to 2 · wanted + 16 when more eigenvalues are wanted.</summary>
    public int Basis { get => _basis; init => _basis = value >= 8 ? value : throw new ArgumentOutOfRangeException(nameof(Basis), value, "must be ≥ 8"); }

    /// <summary>Operator products allowed before giving up (the result then says not converged).</summary>
    public int MaxProducts { get => _maxProducts; init => _maxProducts = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxProducts), value, "must be ≥ 1"); }

    /// <summary>Seed of the start vector (the result is a function of it and the operator, whatever the thread count).</summary>
    public ulong Seed { get; init; } = 0x6b72796c6f76;

    /// <summary>Also return the unit Ritz vector of every computed eigenvalue (<see cref="KrylovEigenResult.Vectors"/>).</summary>
    public bool Vectors { get; init; }
}

/// <summary>
/// What <see cref="KrylovSchur.Eigenvalues"/> found: the wanted eigenvalues, by decreasing modulus (conjugate
/// pairs adjacent, positive imaginary part first), each with a residual bound.
/// </summary>
/// <param name="Eigenvalues">The computed eigenvalues: every one with |λ| ≥ 1 − margin and the leading few (see <see cref="KrylovSchurOptions"/>).</param>
/// <param name="Residuals">‖A y − λ y‖₂ for the unit Ritz vector y of each eigenvalue: the larger of the Arnoldi relation's value and a product A·y computed afresh at the end.</param>
/// <param name="Converged">True when every wanted Ritz pair met the tolerance; false when the product budget ran out first.</param>
/// <param name="Complete">True when the whole spectrum was computed (N small enough to form A densely): nothing can be missing.</param>
/// <param name="Products">Operator products used (vectors, not calls).</param>
/// <param name="Restarts">Thick restarts.</param>
public sealed record KrylovEigenResult(Complex[] Eigenvalues, double[] Residuals, bool Converged, bool Complete, int Products, int Restarts)
{
    /// <summary>The largest residual bound; 0 when there are no eigenvalues.</summary>
    public double MaxResidual => Residuals.Length == 0 ? 0 : Residuals.Max();

    /// <summary>
    /// κ(λ) = ‖x‖‖y‖/|yᴴx| per eigenvalue (x, y its right and left eigenvectors), estimated from the Rayleigh quotient B;
    /// 1 for a dense result (not estimated) and +∞ when B is defective. A residual r moves λ by about κ·r (to first order),
    /// which <see cref="ErrorBounds"/> gives.
    /// </summary>
    public double[] Conditions { get; init; } = [];

    /// <summary>κ(λ)·residual per eigenvalue: how far each computed eigenvalue may be from a true one (first order in the residual).</summary>
    /// <summary>With <see cref="KrylovSchurOptions.Vectors"/>: the unit (Ritz) eigenvector of each of <see cref="Eigenvalues"/>, in their order; else empty.</summary>
    public IReadOnlyList<EigenPair> Vectors { get; init; } = [];

    public double[] ErrorBounds => Residuals.Select((r, i) => r * (i < Conditions.Length ? Conditions[i] : 1.0)).ToArray();
}

/// <summary>
/// The Krylov–Schur method (Stewart 2001, the restart SLEPc's default eigensolver uses) for the eigenvalues of
/// largest modulus of a real operator seen only through products A·v, in float64.
/// <para>An Arnoldi expansion A V = V B + v bᵀ (V orthonormal, twice-orthogonalised Gram–Schmidt) is restarted
/// by keeping the invariant subspace of B that belongs to the wanted Ritz values plus as many again: an orthonormal
/// basis Z of their eigenvectors' span (real and imaginary parts for complex pairs), taken in the order of the Ritz
/// values so that ZᵀBZ is quasi-triangular, a real Schur form; V ← VZ, B ← ZᵀBZ, b ← Zᵀb. A Ritz pair (θ, Vs) has
/// residual ‖A Vs − θ Vs‖ = |bᵀs| for unit s. Converged leading Schur vectors are locked (their b entries set to 0,
/// an error within the tolerance), so their Ritz values stop moving while the rest converge.</para>
/// <para>Deterministic: a seeded start vector, sequential reductions, no threads.</para>
/// </summary>
public static class KrylovSchur
{
    /// <summary>Up to this N the operator is formed densely (N products) and solved by a dense EVD; so it is, too, when the wanted values would need a basis of more than N/2 vectors.</summary>
    public const int DenseUpTo = 64;

    public static KrylovEigenResult Eigenvalues(ILinearOperator a, KrylovSchurOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(options);
        int n = a.Dimension;
        if (n <= Math.Max(DenseUpTo, options.Basis)) return Dense(a, options);
        return new Solver(a, options, cancellationToken).Run();
    }

    /// <summary>Forms A from its columns and takes every eigenvalue; reports the wanted ones.</summary>
    private static KrylovEigenResult Dense(ILinearOperator a, KrylovSchurOptions options)
    {
        int n = a.Dimension;
        var eye = new double[n * n];
        for (int i = 0; i < n; i++) eye[i * n + i] = 1;
        var cols = new double[n * n];
        a.Apply(eye, cols, n);
        var m = new double[n * n];
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++) m[i * n + j] = cols[j * n + i];
        EigenPair[] pairs = options.Vectors ? Spectral.EigenPairs(m, n) : [];
        Complex[] ev = options.Vectors ? pairs.Select(p => p.Value).ToArray() : Spectral.Eigenvalues(m, n);
        if (ev.Length == 0) return new KrylovEigenResult([], [], false, false, n, 0);
        int want = Wanted(ev, options);
        return new KrylovEigenResult(ev.Take(want).ToArray(), new double[want], true, true, n, 0) { Vectors = pairs.Take(options.Vectors ? want : 0).ToArray() };
    }

    /// <summary>How many of the sorted values are wanted: every one with |λ| ≥ 1 − margin, plus one, at least Leading, a conjugate pair never split.</summary>
    internal static int Wanted(IReadOnlyList<Complex> sorted, KrylovSchurOptions options)
    {
        int ring = sorted.Count(e => e.Magnitude >= 1 - options.Margin);
        int want = Math.Min(Math.Max(options.Leading, ring + 1), sorted.Count);
        if (want < sorted.Count && want > 0 && sorted[want - 1].Imaginary > 0) want++;
        return want;
    }

    /// <summary>One Ritz pair of B: θ with s = u + i·w (w empty for a real θ), ‖u‖² + ‖w‖² = 1, and its Arnoldi residual |bᵀs|.</summary>
    private readonly record struct Ritz(Complex Value, double[] U, double[]? W, double Residual, double Condition);

    private sealed class Solver
    {
        private readonly ILinearOperator _a;
        private readonly KrylovSchurOptions _o;
        private readonly CancellationToken _ct;
        private readonly int _n;
        private int _m;
        private double[] _v;      // (m + 1) × n, row j = v_j
        private double[,] _h;     // (m + 1) × m: B on top, the coupling row b at row m
        private readonly double[] _w;
        private int _products, _restarts;

        public Solver(ILinearOperator a, KrylovSchurOptions o, CancellationToken ct)
        {
            (_a, _o, _ct, _n) = (a, o, ct, a.Dimension);
            _m = Math.Min(o.Basis, _n - 1);
            _v = new double[(_m + 1) * _n];
            _h = new double[_m + 1, _m];
            _w = new double[_n];
        }

        private Span<double> V(int j) => _v.AsSpan(j * _n, _n);

        public KrylovEigenResult Run()
        {
            var rng = new Rng(_o.Seed);
            for (int i = 0; i < _n; i++) _v[i] = rng.Normal();
            TensorPrimitives.Divide(V(0), TensorPrimitives.Norm(V(0)), V(0));
            int kept = 0;
            while (true)
            {
                Expand(kept, rng);
                List<Ritz> ritz = RitzPairs();
                if (ritz.Count == 0) return new KrylovEigenResult([], [], false, false, _products, _restarts);
                int want = Wanted(ritz.Select(r => r.Value).ToList(), _o);
                bool done = ritz.Take(want).All(Converged);
                if (done || _products >= _o.MaxProducts || _ct.IsCancellationRequested)
                    return Finish(ritz.Take(want).ToList(), done);
                int needed = Math.Min(2 * want + 16, _n - 1);
                if (needed > _n / 2) return DenseInstead(); // a basis of half of R^N: the dense solve is cheaper, and complete
                int keep = Math.Max(want, (Math.Max(needed, _m) + want) / 2);
                if (keep < ritz.Count && ritz[keep - 1].Value.Imaginary > 0) keep++;
                kept = Restart(ritz, Math.Min(keep, ritz.Count));
                if (needed > _m) Grow(needed);
                if (kept >= _m) return DenseInstead(); // no room left to expand (not reached with the sizes above)
                _restarts++;
            }
        }

        private int KeptCount { get; set; }

        private KrylovEigenResult DenseInstead()
        {
            KrylovEigenResult dense = Dense(_a, _o);
            return dense with { Products = dense.Products + _products, Restarts = _restarts };
        }

        private bool Converged(Ritz r) => r.Residual <= _o.Tolerance * Math.Max(1.0, r.Value.Magnitude);

        /// <summary>Arnoldi from column k to m. Where an invariant subspace is hit, a random direction continues the basis.</summary>
        private void Expand(int k, Rng rng)
        {
            for (int j = k; j < _m; j++)
            {
                _a.Apply(V(j), _w, 1);
                _products++;
                double norm0 = TensorPrimitives.Norm(_w);
                Orthogonalise(_w, j + 1, column: j);
                double beta = TensorPrimitives.Norm(_w);
                if (beta <= 1e-14 * Math.Max(norm0, double.Epsilon))
                {
                    // A V_j spans nothing new: the Ritz values so far are exact. Continue with a fresh direction, decoupled (h = 0).
                    for (int i = 0; i < _n; i++) _w[i] = rng.Normal();
                    Orthogonalise(_w, j + 1, column: -1);
                    beta = TensorPrimitives.Norm(_w);
                    TensorPrimitives.Divide(_w, beta, V(j + 1));
                    _h[j + 1, j] = 0;
                    continue;
                }
                _h[j + 1, j] = beta;
                TensorPrimitives.Divide(_w, beta, V(j + 1));
            }
        }

        /// <summary>Two passes of classical Gram–Schmidt against v_0 … v_{count−1}; the coefficients go to column <paramref name="column"/> of H (none when −1).</summary>
        private void Orthogonalise(Span<double> w, int count, int column)
        {
            for (int pass = 0; pass < 2; pass++)
                for (int i = 0; i < count; i++)
                {
                    double h = TensorPrimitives.Dot(V(i), w);
                    TensorPrimitives.MultiplyAdd(V(i), -h, w, w);
                    if (column >= 0) _h[i, column] += h;
                }
        }

        /// <summary>The Ritz pairs of B = H[0..m, 0..m], sorted by decreasing modulus, then real part, then imaginary part.</summary>
        private List<Ritz> RitzPairs()
        {
            int m = _m;
            var b = Matrix<double>.Build.Dense(m, m, (i, j) => _h[i, j]);
            var coupling = new double[m];
            for (int j = 0; j < m; j++) coupling[j] = _h[m, j];
            MathNet.Numerics.LinearAlgebra.Factorization.Evd<double> evd;
            try { evd = b.Evd(Symmetricity.Asymmetric); }
            catch (MathNet.Numerics.NonConvergenceException) { return []; }
            Matrix<double> vec = evd.EigenVectors;
            // Left eigenvectors are the rows of X⁻¹; κ(θ) = ‖x‖‖y‖ for yᴴx = 1 (infinite when X is singular: B defective).
            Matrix<double>? inv = null;
            try { inv = vec.Inverse(); } catch (ArgumentException) { } catch (MathNet.Numerics.NonConvergenceException) { }
            if (inv is not null && !inv.Enumerate().All(double.IsFinite)) inv = null;
            var list = new List<Ritz>(m);
            for (int c = 0; c < m; c++)
            {
                Complex ev = evd.EigenValues[c];
                if (!double.IsFinite(ev.Real) || !double.IsFinite(ev.Imaginary)) return [];
                bool pair = c + 1 < m && ev.Imaginary != 0 && evd.EigenValues[c + 1] == Complex.Conjugate(ev);
                if (!pair)
                {
                    double[] u = vec.Column(c).ToArray();
                    double nu = TensorPrimitives.Norm(u);
                    if (nu == 0) continue;
                    double kappa = inv is null ? double.PositiveInfinity : nu * inv.Row(c).L2Norm();
                    TensorPrimitives.Divide(u, nu, u);
                    list.Add(new Ritz(new Complex(ev.Real, 0), u, null, Math.Abs(TensorPrimitives.Dot(coupling, u)), kappa));
                    continue;
                }
                double[] re = vec.Column(c).ToArray(), im = vec.Column(c + 1).ToArray();
                double norm = Math.Sqrt(TensorPrimitives.SumOfSquares(re) + TensorPrimitives.SumOfSquares(im));
                if (norm == 0) { c++; continue; }
                // x = u + iw = X_r·(1, i)ᵀ, so its left vector is ½(r_c − i·r_{c+1}) with r the rows of X_r⁻¹.
                double pairKappa = inv is null ? double.PositiveInfinity
                    : norm * 0.5 * Math.Sqrt(Math.Pow(inv.Row(c).L2Norm(), 2) + Math.Pow(inv.Row(c + 1).L2Norm(), 2));
                TensorPrimitives.Divide(re, norm, re);
                TensorPrimitives.Divide(im, norm, im);
                var top = new Complex(ev.Real, Math.Abs(ev.Imaginary));
                // Whichever of re ± i·im is the eigenvector of the eigenvalue with Im > 0 (the packing's sign convention is not relied on).
                double[] flipped = Negated(im);
                if (PairResidual(b, re, im, top) > PairResidual(b, re, flipped, top)) im = flipped;
                double res = Math.Sqrt(Math.Pow(TensorPrimitives.Dot(coupling, re), 2) + Math.Pow(TensorPrimitives.Dot(coupling, im), 2));
                list.Add(new Ritz(top, re, im, res, pairKappa));
                list.Add(new Ritz(Complex.Conjugate(top), re, Negated(im), res, pairKappa));
                c++;
            }
            return list.OrderByDescending(r => r.Value.Magnitude).ThenByDescending(r => r.Value.Real).ThenByDescending(r => r.Value.Imaginary).ToList();
        }

        private static double[] Negated(double[] x)
        {
            var y = new double[x.Length];
            TensorPrimitives.Negate(x, y);
            return y;
        }

        /// <summary>‖B(u + iw) − λ(u + iw)‖ for a real matrix B.</summary>
        private static double PairResidual(Matrix<double> b, double[] u, double[] w, Complex lambda)
        {
            var bu = b * MathNet.Numerics.LinearAlgebra.Vector<double>.Build.DenseOfArray(u);
            var bw = b * MathNet.Numerics.LinearAlgebra.Vector<double>.Build.DenseOfArray(w);
            double s = 0;
            for (int i = 0; i < u.Length; i++)
            {
                double re = bu[i] - (lambda.Real * u[i] - lambda.Imaginary * w[i]);
                double im = bw[i] - (lambda.Imaginary * u[i] + lambda.Real * w[i]);
                s += re * re + im * im;
            }
            return Math.Sqrt(s);
        }

        /// <summary>Keeps the invariant subspace of the first <paramref name="keep"/> Ritz values; returns the new basis size.</summary>
        private int Restart(List<Ritz> ritz, int keep)
        {
            int m = _m;
            var z = new List<double[]>();
            var zValue = new List<Complex>();
            for (int i = 0; i < keep; i++)
            {
                Ritz r = ritz[i];
                if (r.Value.Imaginary < 0) continue; // the conjugate's span is already in
                foreach (double[] col in r.W is null ? new[] { r.U } : new[] { r.U, r.W })
                {
                    double[] q = (double[])col.Clone();
                    double before = TensorPrimitives.Norm(q);
                    for (int pass = 0; pass < 2; pass++)
                        foreach (double[] prev in z) TensorPrimitives.MultiplyAdd(prev, -TensorPrimitives.Dot(prev, q), q, q);
                    double after = TensorPrimitives.Norm(q);
                    if (after <= 1e-10 * before) continue; // (nearly) dependent: the span already has it
                    TensorPrimitives.Divide(q, after, q);
                    z.Add(q);
                    zValue.Add(r.Value);
                }
            }
            int p = z.Count;
            // V ← V Z (rows 0 … p−1), v_p ← v_m.
            var nv = new double[(p + 1) * _n];
            for (int c = 0; c < p; c++)
            {
                Span<double> dst = nv.AsSpan(c * _n, _n);
                for (int j = 0; j < m; j++)
                {
                    double zc = z[c][j];
                    if (zc != 0) TensorPrimitives.MultiplyAdd(V(j), zc, dst, dst);
                }
            }
            V(m).CopyTo(nv.AsSpan(p * _n, _n));
            // B ← ZᵀBZ, b ← Zᵀb.
            var bz = new double[m, p];
            for (int i = 0; i < m; i++)
                for (int c = 0; c < p; c++)
                {
                    double s = 0;
                    for (int j = 0; j < m; j++) s += _h[i, j] * z[c][j];
                    bz[i, c] = s;
                }
            var nb = new double[p, p];
            for (int r = 0; r < p; r++)
                for (int c = 0; c < p; c++)
                {
                    double s = 0;
                    for (int i = 0; i < m; i++) s += z[r][i] * bz[i, c];
                    nb[r, c] = s;
                }
            var ncoupling = new double[p];
            for (int c = 0; c < p; c++)
            {
                double s = 0;
                for (int j = 0; j < m; j++) s += _h[m, j] * z[c][j];
                ncoupling[c] = s;
            }
            // Locking: leading Schur vectors whose coupling is within the tolerance are decoupled.
            int locked = 0;
            while (locked < p && Math.Abs(ncoupling[locked]) <= _o.Tolerance * Math.Max(1.0, zValue[locked].Magnitude)) ncoupling[locked++] = 0;
            Array.Clear(_v);
            nv.CopyTo(_v, 0);
            Array.Clear(_h);
            for (int r = 0; r < p; r++)
                for (int c = 0; c < p; c++) _h[r, c] = nb[r, c];
            for (int c = 0; c < p; c++) _h[p, c] = ncoupling[c];
            KeptCount = p;
            return p;
        }

        private void Grow(int m)
        {
            var v = new double[(m + 1) * _n];
            _v.AsSpan(0, (KeptCount + 1) * _n).CopyTo(v);
            var h = new double[m + 1, m];
            for (int r = 0; r <= KeptCount; r++)
                for (int c = 0; c < KeptCount; c++) h[r, c] = _h[r, c];
            (_v, _h, _m) = (v, h, m);
        }

        /// <summary>Ritz vectors y = V s, one fresh block product A·y for all of them, and the residuals reported.</summary>
        private KrylovEigenResult Finish(List<Ritz> wanted, bool converged)
        {
            int m = _m;
            var rows = new List<double[]>();
            foreach (Ritz r in wanted)
            {
                if (r.Value.Imaginary < 0) continue;
                rows.Add(Combine(r.U, m));
                if (r.W is not null) rows.Add(Combine(r.W, m));
            }
            var ys = new double[rows.Count * _n];
            for (int i = 0; i < rows.Count; i++) rows[i].CopyTo(ys, i * _n);
            var ays = new double[ys.Length];
            if (rows.Count > 0) _a.Apply(ys, ays, rows.Count);
            _products += rows.Count;
            var residuals = new double[wanted.Count];
            int row = 0;
            for (int i = 0; i < wanted.Count; i++)
            {
                Ritz r = wanted[i];
                if (r.Value.Imaginary < 0) { residuals[i] = residuals[i - 1]; continue; }
                double fresh;
                ReadOnlySpan<double> yu = ys.AsSpan(row * _n, _n), ayu = ays.AsSpan(row * _n, _n);
                if (r.W is null)
                {
                    double s = 0;
                    for (int k = 0; k < _n; k++) { double d = ayu[k] - r.Value.Real * yu[k]; s += d * d; }
                    fresh = Math.Sqrt(s);
                    row++;
                }
                else
                {
                    ReadOnlySpan<double> yw = ys.AsSpan((row + 1) * _n, _n), ayw = ays.AsSpan((row + 1) * _n, _n);
                    double al = r.Value.Real, be = r.Value.Imaginary, s = 0;
                    for (int k = 0; k < _n; k++)
                    {
                        double dr = ayu[k] - (al * yu[k] - be * yw[k]);
                        double di = ayw[k] - (be * yu[k] + al * yw[k]);
                        s += dr * dr + di * di;
                    }
                    fresh = Math.Sqrt(s);
                    row += 2;
                }
                residuals[i] = Math.Max(r.Residual, fresh);
            }
            bool ok = converged && wanted.Select((r, i) => residuals[i] <= 10 * _o.Tolerance * Math.Max(1.0, r.Value.Magnitude)).All(x => x);
            var vectors = new List<EigenPair>();
            if (_o.Vectors)
            {
                row = 0;
                foreach (Ritz r in wanted)
                {
                    if (r.Value.Imaginary < 0) { EigenPair up = vectors[^1]; vectors.Add(new EigenPair(r.Value, up.Re, up.Im!.Select(v => -v).ToArray())); continue; }
                    double[] re = ys.AsSpan(row * _n, _n).ToArray();
                    double[]? im = r.W is null ? null : ys.AsSpan((row + 1) * _n, _n).ToArray();
                    row += im is null ? 1 : 2;
                    (double[] nr, double[]? ni) = Spectral.Normalised(re, im);
                    vectors.Add(new EigenPair(r.Value, nr, ni));
                }
            }
            return new KrylovEigenResult(wanted.Select(r => r.Value).ToArray(), residuals, ok, false, _products, _restarts)
            {
                Vectors = vectors,
                Conditions = wanted.Select(r => Math.Max(1.0, r.Condition)).ToArray(),
            };
        }

        private double[] Combine(double[] s, int m)
        {
            var y = new double[_n];
            for (int j = 0; j < m; j++) if (s[j] != 0) TensorPrimitives.MultiplyAdd(V(j), s[j], y, y);
            return y;
        }
    }
}
