using System.Buffers;
using System.Numerics;
using Fixpoint.Census;
using Fixpoint.Maps;
using Fixpoint.Numerics;
using MathNet.Numerics.LinearAlgebra;
using static Fixpoint.Certify.Rounding;

namespace Fixpoint.Certify;

/// <summary>The norm a <see cref="ContractionBall"/> is measured in.</summary>
public enum BallNorm
{
    /// <summary>‖x‖ = max over blocks b of ‖(R x)_b‖₂, R ≈ V⁻¹ for the real eigenvector basis V of J(x̃) (one block per real eigenvalue, a pair per complex pair): adapted to J, so the contraction factor is close to ρ(J).</summary>
    Eigenbasis,
    /// <summary>The plain ∞-norm (R = I): fails whenever ‖J‖∞ ≥ 1, whatever ρ(J).</summary>
    Max,
}

/// <summary>Why no ball was proved.</summary>
public enum BallRefusal
{
    /// <summary>A ball was proved.</summary>
    None,
    /// <summary>The map is not a network without residual connections, or its activation has no interval extension.</summary>
    UnsupportedMap,
    /// <summary>ρ(J(x̃)) ≥ 1, or the eigenvalues could not be computed: not an attractor that linearisation can prove.</summary>
    NotAttracting,
    /// <summary>The eigenvector basis is singular or too ill-conditioned (‖I − R V‖ not below ½).</summary>
    IllConditionedBasis,
    /// <summary>No radius of the search passed both conditions (the interval Jacobian over the ball is too wide, or ‖J‖ ≥ 1 in the norm).</summary>
    NotContracting,
    /// <summary>An enclosure was not finite.</summary>
    NonFinite,
}

/// <summary>Search settings of <see cref="ContractionBall.Prove"/>.</summary>
public sealed record ContractionBallOptions
{
    public const double DefaultInitialHalfWidth = 0.25;
    public const int DefaultMaxTrials = 12;

    private readonly double _initialHalfWidth = DefaultInitialHalfWidth;
    private readonly int _maxTrials = DefaultMaxTrials;

    /// <summary>The first radius tried makes the ball's bounding box this wide (half-width, largest coordinate); &gt; 0.</summary>
    public double InitialHalfWidth { get => _initialHalfWidth; init => _initialHalfWidth = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(InitialHalfWidth), value, "must be > 0 and finite"); }

    /// <summary>Radii tried, each at most half the one before; ≥ 1.</summary>
    public int MaxTrials { get => _maxTrials; init => _maxTrials = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxTrials), value, "must be ≥ 1"); }
}

/// <summary>The outcome of <see cref="ContractionBall.Prove"/>: a ball, or the reason there is none.</summary>
/// <param name="PointContraction">The bound K at r = 0 (the interval Jacobian at x̃ alone) in the ∞-norm; in the eigenbasis, where it equals ρ up to rounding, the search uses ρ and this is ρ (NaN when not reached).</param>
public sealed record ContractionBallResult(ContractionBall? Ball, BallRefusal Refusal, int Trials, double PointContraction = double.NaN)
{
    public bool Proved => Ball is not null;
}

/// <summary>
/// A proved region of attraction around an approximate fixed point x̃ of a network F:
/// <c>B = {x : ‖R(x − x̃)‖_β ≤ r}</c>, where ‖y‖_β = max over blocks b of ‖y_b‖₂ (<see cref="BallNorm"/>).
/// <para>What is proved (interval arithmetic, outward rounding): with E = I − R V enclosed and ‖E‖_β ≤ e &lt; ½,
/// R is invertible, R⁻¹ = V (I − E)⁻¹, so B lies in the box X = x̃ ± h, h_i = r/(1 − e)·Σ_b ‖V_{i,b}‖₂. With
/// [J] ⊇ {J(x) : x ∈ X} (the interval Jacobian over X, layer by layer), M ⊇ R [J] V and
/// K = ‖M‖_β/(1 − e) ≥ ‖R J R⁻¹‖_β for every J ∈ [J], and c ⊇ R(F(x̃) − x̃): K &lt; 1 and ‖c‖_β + K·r ≤ r.
/// By the mean-value theorem row by row, ‖R(F(x) − F(y))‖_β ≤ K‖R(x − y)‖_β on B (a contraction) and
/// ‖R(F(x) − x̃)‖_β ≤ ‖c‖_β + K r ≤ r (F(B) ⊆ B). So B holds exactly one fixed point x*, and every Picard
/// orbit from B — and every damped one, x ← (1 − β)x + βF(x), β ∈ (0, 1], since B is convex — stays in B and
/// converges to x*.</para>
/// <para>Products of point and interval matrices are midpoint–radius products in floating point
/// (<see cref="Gemm"/>'s fma chains), each with the a-priori bound |fl(AB) − AB| ≤ γ_k |A||B|, γ_k ≈ k·2⁻⁵³, added to the radius;
/// every scalar bound is rounded outward (<see cref="Rounding"/>).</para>
/// <para>Membership (<see cref="Contains"/>) is decided in floating point with a proved error bound; see there.</para>
/// </summary>
public sealed class ContractionBall : IAttractionBall
{
    private const double U = UnitRoundoff;

    /// <summary>
    /// The relative safety factor of <see cref="Contains"/>: a point is in B when its computed norm plus the error bound is
    /// ≤ r·(1 − Safety). It covers the few roundings of the block norms themselves (at most about 6u).
    /// </summary>
    public const double Safety = 1e-9;

    /// <summary>Added to every radius of a matrix product, covering gradual underflow in its fma chains.</summary>
    private const double UnderflowSlack = 1e-290;

    private readonly double[] _r;          // N×N row-major, the identity for Max (then null)
    private readonly int[] _blockStart;    // block b holds rows _blockStart[b] … _blockStart[b + 1] − 1
    private readonly double[] _blockRowAbs; // per block: ‖(Σ_j |R_ij|)_{i∈b}‖₂, rounded up
    private readonly double[] _halfWidth;  // h_i: B ⊆ x̃ ± h
    private readonly double _innerRadius;  // ‖x − x̃‖∞ ≤ this proves x ∈ B
    private readonly double _frobeniusMax; // max over blocks of ‖R_b‖_F, rounded up: ‖x − x̃‖₂·this ≤ r proves x ∈ B
    private readonly double[] _rTransposed; // Rᵀ, row-major, for the batched membership product
    private readonly double[] _zeros;       // the product's (zero) bias
    private readonly double _gamma;        // γ_{N+2}: the matrix–vector product and the subtraction

    private ContractionBall(double[] center, double centerResidual, double radius, double contraction, BallNorm norm,
        double[]? r, int[] blockStart, double[] blockRowAbs, double[] halfWidth)
    {
        Center = center;
        CenterResidual = centerResidual;
        Radius = radius;
        Contraction = contraction;
        NormKind = norm;
        _r = r ?? [];
        _blockStart = blockStart;
        _blockRowAbs = blockRowAbs;
        _halfWidth = halfWidth;
        _gamma = Gamma(center.Length + 2);
        double maxRow = 0;
        foreach (double v in blockRowAbs) maxRow = Math.Max(maxRow, v);
        _innerRadius = maxRow > 0 ? radius * (1 - Safety) / (maxRow * (1 + 4 * U)) * (1 - Safety) : 0;
        int n = center.Length;
        double frob = 0;
        if (norm == BallNorm.Eigenbasis)
            for (int b = 0; b + 1 < blockStart.Length; b++)
            {
                double sq = 0;
                for (int i = blockStart[b] * n; i < blockStart[b + 1] * n; i++) sq += _r[i] * _r[i];
                frob = Math.Max(frob, Math.Sqrt(sq));
            }
        // The computed norm is within (N·k + 4)u of the true one; 2(N·k + 4)u covers it with room.
        _frobeniusMax = frob * (1 + 2 * (n * 2.0 + 4) * U);
        _zeros = new double[n];
        _rTransposed = norm == BallNorm.Eigenbasis ? DenseLinearAlgebra.Transpose(_r, n, n) : [];
    }

    /// <summary>x̃, the centre (the approximate fixed point the proof started from).</summary>
    public double[] Center { get; }

    /// <summary>‖F(x̃) − x̃‖∞ in floating point.</summary>
    public double CenterResidual { get; }

    /// <summary>r, the proved radius in <see cref="NormKind"/>.</summary>
    public double Radius { get; }

    /// <summary>K &lt; 1, the proved contraction factor of F on B in <see cref="NormKind"/>.</summary>
    public double Contraction { get; }

    public BallNorm NormKind { get; }

    /// <summary>The norm's name in result files: <c>eigenbasis</c> or <c>max</c>.</summary>
    public string Norm => NormKind == BallNorm.Eigenbasis ? "eigenbasis" : "max";

    /// <summary>The half-widths h of the box x̃ ± h that contains B.</summary>
    public IReadOnlyList<double> HalfWidths => _halfWidth;

    /// <summary>
    /// Whether x is proved to lie in B. Never true for a point outside B: with d = fl(x − x̃) and y = fl(R d),
    /// |R(x − x̃) − y| ≤ (γ_{N+2})·(Σ_j |R_ij|)·‖d‖∞ row by row (the product's bound plus the relative error u of each
    /// subtraction); x is accepted when, for every block, ‖y_b‖₂ + that bound's block norm ≤ r·(1 − <see cref="Safety"/>).
    /// A quick exit accepts when ‖d‖∞·max_b ‖(Σ_j |R_ij|)_b‖₂ ≤ r·(1 − Safety)² (the same bound without forming y), and
    /// rejects when some |d_i| exceeds h_i. A point near the boundary may be rejected although inside: that costs only iterations.
    /// </summary>
    public bool Contains(ReadOnlySpan<double> x)
    {
        int n = Center.Length;
        if (x.Length != n) throw new ArgumentException($"the point has {x.Length} coordinates, the ball {n}", nameof(x));
        Span<bool> inside = stackalloc bool[1];
        ContainsAll(x, 1, inside);
        return inside[0];
    }

    /// <summary>
    /// <see cref="Contains"/> for <paramref name="rows"/> consecutive points of <paramref name="x"/> (row-major), with the
    /// same answers: the points the quick tests leave undecided go through one matrix product D·Rᵀ (the affine kernel,
    /// whose result for a row does not depend on the other rows) instead of one dot product per row of R and point.
    /// </summary>
    public void ContainsAll(ReadOnlySpan<double> x, int rows, Span<bool> inside)
    {
        int n = Center.Length;
        if (x.Length < (long)rows * n || inside.Length < rows) throw new ArgumentException($"{rows} points of {n} coordinates do not fit the spans", nameof(x));
        double[] d = ArrayPool<double>.Shared.Rent(Math.Max(1, rows * n));
        double[] dInf = ArrayPool<double>.Shared.Rent(Math.Max(1, rows));
        int[] which = ArrayPool<int>.Shared.Rent(Math.Max(1, rows));
        double[]? y = null;
        try
        {
            int m = 0;
            for (int r = 0; r < rows; r++)
            {
                Quick q = QuickTest(x.Slice(r * n, n), d.AsSpan(m * n, n), out double inf);
                inside[r] = q == Quick.Inside;
                if (q != Quick.Undecided) continue;
                which[m] = r;
                dInf[m] = inf;
                m++;
            }
            if (m == 0) return;
            y = ArrayPool<double>.Shared.Rent(m * n);
            Gemm.AffineRows(d.AsSpan(0, m * n), m, n, _rTransposed, n, _zeros, y.AsSpan(0, m * n));
            for (int k = 0; k < m; k++) inside[which[k]] = BlocksInside(y.AsSpan(k * n, n), dInf[k]);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(d);
            ArrayPool<double>.Shared.Return(dInf);
            ArrayPool<int>.Shared.Return(which);
            if (y is not null) ArrayPool<double>.Shared.Return(y);
        }
    }

    private enum Quick { Outside, Inside, Undecided }

    /// <summary>
    /// The tests that need no product: outside when some |d_i| &gt; h_i; inside when ‖d‖∞ ≤ the inner radius, or when
    /// ‖d‖₂·max_b ‖R_b‖_F ≤ r·(1 − Safety)² (‖R_b d‖₂ ≤ ‖R_b‖_F‖d‖₂; |fl(x_i − x̃_i)| ≥ (1 − u)|x_i − x̃_i|, and the
    /// computed sum and root are within (N + 4)u, which 2(N + 6)u covers). Writes d = fl(x − x̃) and ‖d‖∞.
    /// </summary>
    private Quick QuickTest(ReadOnlySpan<double> x, Span<double> d, out double dInf)
    {
        int n = Center.Length;
        double sq = 0;
        dInf = 0;
        for (int i = 0; i < n; i++)
        {
            double di = x[i] - Center[i];
            double a = Math.Abs(di);
            if (!(a <= _halfWidth[i])) return Quick.Outside;
            if (a > dInf) dInf = a;
            d[i] = di;
            sq += di * di;
        }
        if (dInf <= _innerRadius) return Quick.Inside;
        if (NormKind == BallNorm.Max) return Quick.Outside;
        if (Math.Sqrt(sq) * _frobeniusMax * (1 + 2 * (n + 6.0) * U) <= Radius * (1 - Safety) * (1 - Safety)) return Quick.Inside;
        return Quick.Undecided;
    }

    /// <summary>The block test on y = fl(R d): ‖y_b‖₂ plus the product's error bound ≤ r·(1 − Safety) for every block.</summary>
    private bool BlocksInside(ReadOnlySpan<double> y, double dInf)
    {
        double limit = Radius * (1 - Safety);
        double errScale = _gamma * dInf * (1 + 4 * U);
        for (int b = 0; b + 1 < _blockStart.Length; b++)
        {
            double sq = 0;
            for (int i = _blockStart[b]; i < _blockStart[b + 1]; i++) sq += y[i] * y[i];
            if (Math.Sqrt(sq) + errScale * _blockRowAbs[b] > limit) return false;
        }
        return true;
    }

    /// <summary>
    /// Proves a ball around <paramref name="center"/> in <paramref name="norm"/>: the radius search starts where the
    /// bounding box is <see cref="ContractionBallOptions.InitialHalfWidth"/> wide; while nothing is proved it shrinks (halving,
    /// or to where K(r) − ρ ∝ r² would put K at ρ + 0.8(1 − ρ) when that is smaller), then steps between the largest proved
    /// and the smallest failed radius (by the power law through both, else their geometric mean) until they are within a
    /// factor 1.5; at most <see cref="ContractionBallOptions.MaxTrials"/> radii (the ∞-norm adds a test at r = 0). The
    /// largest proved radius is kept.
    /// Deterministic: no result depends on threads.
    /// </summary>
    public static ContractionBallResult Prove(Network network, ReadOnlySpan<double> center, BallNorm norm = BallNorm.Eigenbasis,
        ContractionBallOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        options ??= new ContractionBallOptions();
        int n = network.Dimension;
        if (center.Length != n) throw new ArgumentException($"the point has {center.Length} coordinates, the network {n}", nameof(center));
        for (int i = 0; i < n; i++)
            if (!double.IsFinite(center[i])) throw new ArgumentException($"coordinate {i} of the point is {center[i]}", nameof(center));
        if (network.Residual || !IntervalActivation.IsSupported(network.Activation)) return new(null, BallRefusal.UnsupportedMap, 0);
        double[] x = center.ToArray();
        var fx = new double[n];
        network.Evaluate(x, fx);
        double centerResidual = DenseLinearAlgebra.MaxAbsDiff(fx, x);
        if (!double.IsFinite(centerResidual)) return new(null, BallRefusal.NonFinite, 0);

        var jac = new double[n * n];
        network.Jacobian(x, jac);
        Basis? basis = norm == BallNorm.Eigenbasis ? Basis.Eigen(jac, n) : Basis.Identity(n, Spectral.SpectralRadius(jac, n));
        if (basis is null) return new(null, BallRefusal.NotAttracting, 0);
        if (!(basis.SpectralRadius < 1)) return new(null, BallRefusal.NotAttracting, 0);

        var proof = new Proof(network, x, basis);
        if (!proof.BasisError(out double e)) return new(null, BallRefusal.IllConditionedBasis, 0);
        double oneMinusE = SubDown(1.0, e);
        double cNorm = proof.CenterOffsetNorm();
        if (!double.IsFinite(cNorm)) return new(null, BallRefusal.NonFinite, 0);
        // h_i = r · hull_i
        var hull = new double[n];
        double maxHull = 0;
        for (int i = 0; i < n; i++)
        {
            hull[i] = DivUp(proof.RowBlockNormOfV(i), oneMinusE);
            maxHull = Math.Max(maxHull, hull[i]);
        }
        if (!(maxHull > 0) || !double.IsFinite(maxHull)) return new(null, BallRefusal.NonFinite, 0);

        // In the eigenbasis K(0) is ρ up to rounding, so ρ serves the search; in the ∞-norm the point test refuses early.
        double k0 = basis.SpectralRadius;
        int trials = 0;
        if (norm == BallNorm.Max)
        {
            k0 = proof.Contraction(new double[n], 0, oneMinusE);
            trials = 1;
            if (!(k0 < 1)) return new(null, double.IsFinite(k0) ? BallRefusal.NotContracting : BallRefusal.NonFinite, 1, k0);
        }
        double target = k0 + 0.8 * (1 - k0);
        double radius = options.InitialHalfWidth / maxHull;
        double proved = 0, failed = double.PositiveInfinity, provedK = double.NaN, failedK = double.NaN;
        double[]? provedH = null;
        var h = new double[n];
        while (trials < options.MaxTrials + (norm == BallNorm.Max ? 1 : 0) && !cancellationToken.IsCancellationRequested)
        {
            trials++;
            for (int i = 0; i < n; i++) h[i] = MulUp(radius, hull[i]);
            double k = proof.Contraction(h, radius, oneMinusE);
            bool ok = k < 1 && AddUp(cNorm, MulUp(k, radius)) <= radius;
            if (ok) (proved, provedK, provedH) = (radius, k, (double[])h.Clone());
            else (failed, failedK) = (radius, k);
            double next;
            if (proved == 0)
            {
                // Shrink: K(r) − K(0) grows about as r² once the box is wide; aim where K would be the target.
                next = radius / 2;
                if (double.IsFinite(k) && k > k0) next = Math.Min(next, radius * Math.Sqrt((target - k0) / (k - k0)));
                if (!(next > 0)) break;
            }
            else if (double.IsPositiveInfinity(failed) || failed / proved < 1.5) break; // the first radius is the largest tried
            else
            {
                // Between a proved and a failed radius: the power law through both (K − K(0) ∝ r^p), else their geometric mean.
                next = Math.Sqrt(proved * failed);
                if (provedK > k0 && double.IsFinite(failedK) && failedK > provedK)
                {
                    double p = Math.Log((failedK - k0) / (provedK - k0)) / Math.Log(failed / proved);
                    double predicted = p > 0 ? proved * Math.Pow((target - k0) / (provedK - k0), 1 / p) : double.NaN;
                    if (predicted > proved && predicted < failed) next = predicted;
                }
                next = Math.Clamp(next, proved * 1.2, failed / 1.2);
            }
            radius = next;
        }
        if (provedH is null) return new(null, BallRefusal.NotContracting, trials, k0);
        var ball = new ContractionBall(x, centerResidual, proved, provedK, norm, norm == BallNorm.Eigenbasis ? basis.R : null,
            basis.BlockStart, proof.BlockRowAbs(), provedH);
        return new(ball, BallRefusal.None, trials, k0);
    }

    /// <summary>γ_k = k u/(1 − k u), rounded up generously (k u &lt; 10⁻³ here).</summary>
    private static double Gamma(int k) => 1.01 * k * U;

    /// <summary>V, R ≈ V⁻¹ and the blocks of the norm.</summary>
    private sealed class Basis(double[] v, double[] r, int[] blockStart, double spectralRadius)
    {
        public double[] V { get; } = v;
        public double[] R { get; } = r;
        public int[] BlockStart { get; } = blockStart;
        public double SpectralRadius { get; } = spectralRadius;

        public static Basis Identity(int n, double spectralRadius)
        {
            var id = new double[n * n];
            for (int i = 0; i < n; i++) id[i * n + i] = 1;
            return new Basis(id, (double[])id.Clone(), Enumerable.Range(0, n + 1).ToArray(), spectralRadius);
        }

        /// <summary>The real eigenvector basis of J (complex pairs as Re, Im columns), each block's columns scaled to unit Frobenius norm; null when it cannot be formed.</summary>
        public static Basis? Eigen(double[] jac, int n)
        {
            if (jac.Any(v => !double.IsFinite(v))) return null;
            var m = Matrix<double>.Build.Dense(n, n, (i, j) => jac[i * n + j]);
            MathNet.Numerics.LinearAlgebra.Factorization.Evd<double> evd;
            try { evd = m.Evd(Symmetricity.Asymmetric); }
            catch (MathNet.Numerics.NonConvergenceException) { return null; }
            Matrix<double> vm = evd.EigenVectors, d = evd.D;
            double rho = 0;
            foreach (Complex l in evd.EigenValues) rho = Math.Max(rho, l.Magnitude);
            if (!double.IsFinite(rho)) return null;
            var blocks = new List<int> { 0 };
            for (int i = 0; i < n;)
            {
                int size = i + 1 < n && (d[i, i + 1] != 0 || d[i + 1, i] != 0) ? 2 : 1;
                i += size;
                blocks.Add(i);
            }
            var v = new double[n * n];
            for (int b = 0; b + 1 < blocks.Count; b++)
            {
                double s = 0;
                for (int c = blocks[b]; c < blocks[b + 1]; c++)
                    for (int i = 0; i < n; i++) s += vm[i, c] * vm[i, c];
                if (!(s > 0) || !double.IsFinite(s)) return null;
                double scale = 1 / Math.Sqrt(s);
                for (int c = blocks[b]; c < blocks[b + 1]; c++)
                    for (int i = 0; i < n; i++) v[i * n + c] = vm[i, c] * scale;
            }
            var r = new double[n * n];
            if (!DenseLinearAlgebra.TryInvert((double[])v.Clone(), n, r)) return null;
            if (r.Any(x => !double.IsFinite(x))) return null;
            return new Basis(v, r, [.. blocks], rho);
        }
    }

    /// <summary>The enclosures of one proof: E = I − RV, R(F(x̃) − x̃), and R [J(X)] V for boxes X around x̃.</summary>
    private sealed class Proof
    {
        private readonly Network _net;
        private readonly IntervalActivation _act;
        private readonly double[] _x;
        private readonly Basis _basis;
        private readonly int _n;
        private readonly double[] _absR, _absV;
        private readonly double[][] _absW;
        private readonly Interval[][] _pointZ; // enclosures of the pre-activations at x̃, layer by layer

        public Proof(Network net, double[] x, Basis basis)
        {
            _net = net;
            _act = IntervalActivation.For(net.Activation);
            _x = x;
            _basis = basis;
            _n = x.Length;
            _absR = basis.R.Select(Math.Abs).ToArray();
            _absV = basis.V.Select(Math.Abs).ToArray();
            _absW = [.. net.AppliedLayers.Select(l => l.Weight.Select(Math.Abs).ToArray())];
            _pointZ = new Interval[net.AppliedLayers.Count][];
            Interval[] a = IntervalVector.FromPoint(x);
            for (int l = 0; l < _pointZ.Length; l++)
            {
                DenseLayer layer = net.AppliedLayers[l];
                var z = new Interval[layer.Outputs];
                IntervalNetwork.Affine(layer, a, z);
                _pointZ[l] = z;
                a = [.. z.Select(_act.Value)];
            }
        }

        /// <summary>e ≥ ‖I − R V‖_β; false when e ≥ ½ or not finite.</summary>
        public bool BasisError(out double e)
        {
            int n = _n;
            var rv = Multiply(_basis.R, n, n, _basis.V, n);
            var err = Multiply(_absR, n, n, _absV, n);
            double g = Gamma(n);
            var absE = new double[n * n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    int k = i * n + j;
                    double dev = i == j ? Math.Max(SubUp(1.0, rv[k]), SubUp(rv[k], 1.0)) : Math.Abs(rv[k]);
                    absE[k] = AddUp(AddUp(dev, MulUp(MulUp(err[k], g), 1 + 2 * g)), UnderflowSlack);
                }
            e = BlockNorm(new double[n * n], absE, diagonalTwoNorm: false);
            return e < 0.5;
        }

        /// <summary>An upper bound of ‖R(F(x̃) − x̃)‖_β, F(x̃) enclosed by the interval network.</summary>
        public double CenterOffsetNorm()
        {
            int n = _n;
            Interval[] f = new IntervalNetwork(_net).EvaluatePoint(_x);
            var g = new Interval[n];
            for (int i = 0; i < n; i++) g[i] = f[i] - _x[i];
            var mag = new double[n];
            for (int i = 0; i < n; i++)
            {
                Interval s = Interval.Point(0.0);
                ReadOnlySpan<double> row = _basis.R.AsSpan(i * n, n);
                for (int j = 0; j < n; j++) if (row[j] != 0) s += row[j] * g[j];
                if (!s.IsFinite) return double.PositiveInfinity;
                mag[i] = s.Mag;
            }
            double worst = 0;
            for (int b = 0; b + 1 < _basis.BlockStart.Length; b++)
                worst = Math.Max(worst, Euclid(mag.AsSpan(_basis.BlockStart[b], _basis.BlockStart[b + 1] - _basis.BlockStart[b])));
            return worst;
        }

        /// <summary>Σ_b ‖V_{i,b}‖₂ rounded up: row i of V against the blocks.</summary>
        public double RowBlockNormOfV(int i)
        {
            double s = 0;
            for (int b = 0; b + 1 < _basis.BlockStart.Length; b++)
                s = AddUp(s, Euclid(_absV.AsSpan(i * _n + _basis.BlockStart[b], _basis.BlockStart[b + 1] - _basis.BlockStart[b])));
            return s;
        }

        /// <summary>Per block b: ‖(Σ_j |R_ij|)_{i∈b}‖₂, rounded up.</summary>
        public double[] BlockRowAbs()
        {
            int n = _n;
            var rowAbs = new double[n];
            for (int i = 0; i < n; i++)
            {
                double s = 0;
                for (int j = 0; j < n; j++) s = AddUp(s, _absR[i * n + j]);
                rowAbs[i] = s;
            }
            int blocks = _basis.BlockStart.Length - 1;
            var result = new double[blocks];
            for (int b = 0; b < blocks; b++)
                result[b] = Euclid(rowAbs.AsSpan(_basis.BlockStart[b], _basis.BlockStart[b + 1] - _basis.BlockStart[b]));
            return result;
        }

        /// <summary>
        /// K ≥ ‖R J R⁻¹‖_β for every J = D_L W_L ⋯ D_1 W_1 with x in B (radius <paramref name="radius"/>, box x̃ ± h);
        /// +∞ when an enclosure is not finite.
        /// <para>Forward, layer by layer: [Q_l] ⊇ {∂a_l/∂x(ξ) V : ξ in the box} and [S_l] = W_l [Q_{l−1}]; the pre-activation
        /// range over B is z_l(x̃) ± (r/(1 − e))·Σ_b ‖|[S_l]|_{i,b}‖₂ (mean value: z_l(x) − z_l(x̃) = W_l A (x − x̃) with A in the
        /// interval Jacobian, and x − x̃ = V (I − E)⁻¹ y, ‖y‖_β ≤ r), intersected with the natural interval range; then
        /// [D_l] = g′ of it, and [Q_l] = [D_l][S_l].</para>
        /// <para>With D̃_l the midpoints of [D_l], the telescoping sum
        /// R J V = R J̃ V + Σ_l (R D̃_L W_L ⋯ D̃_{l+1} W_{l+1}) (D_l − D̃_l) W_l (D_{l−1} W_{l−1} ⋯ D_1 W_1 V)
        /// bounds each term entrywise by |left| · diag(rad [D_l]) · |[S_l]|, the left factor a point product.</para>
        /// </summary>
        public double Contraction(double[] h, double radius, double oneMinusE)
        {
            int n = _n;
            double spread = DivUp(radius, oneMinusE);
            var cur = new Interval[n];
            for (int i = 0; i < n; i++) cur[i] = new Interval(SubDown(_x[i], h[i]), AddUp(_x[i], h[i]));
            IReadOnlyList<DenseLayer> layers = _net.AppliedLayers;
            int depth = layers.Count;
            var centers = new Interval[depth][];
            var widths = new double[depth][];
            var right = new (double[] Mid, double[] Rad)[depth];
            (double[] qm, double[] qr) = ((double[])_basis.V.Clone(), new double[n * n]);
            for (int l = 0; l < depth; l++)
            {
                DenseLayer layer = layers[l];
                int outp = layer.Outputs;
                right[l] = PointTimesInterval(layer.Weight, outp, layer.Inputs, qm, qr, n);
                var z = new Interval[outp];
                IntervalNetwork.Affine(layer, cur, z);
                var d = new Interval[outp];
                var c = new Interval[outp];
                var w = new double[outp];
                var next = new Interval[outp];
                for (int o = 0; o < outp; o++)
                {
                    double t = MulUp(spread, RowBlockNorm(right[l].Mid, right[l].Rad, o));
                    Interval centred = new(SubDown(_pointZ[l][o].Lo, t), AddUp(_pointZ[l][o].Hi, t));
                    Interval zo = Interval.Intersect(z[o], centred);
                    if (zo.IsEmpty) zo = centred; // only rounding can separate them; both enclose the range
                    if (!zo.IsFinite) return double.PositiveInfinity;
                    d[o] = _act.Derivative(zo);
                    if (!d[o].IsFinite || d[o].IsEmpty) return double.PositiveInfinity;
                    double m = d[o].Midpoint;
                    c[o] = Interval.Point(m);
                    w[o] = Math.Max(SubUp(d[o].Hi, m), SubUp(m, d[o].Lo));
                    next[o] = _act.Value(zo);
                }
                (qm, qr) = ((double[])right[l].Mid.Clone(), (double[])right[l].Rad.Clone());
                ScaleRows(qm, qr, d, n);
                (centers[l], widths[l]) = (c, w);
                cur = next;
            }
            // Left factors R D̃_L W_L ⋯ D̃_{l+1} W_{l+1} (point products, enclosed with their rounding), from R inwards.
            (double[] lm, double[] lr) = ((double[])_basis.R.Clone(), new double[n * n]);
            var mr = new double[n * n];
            for (int l = depth - 1; l >= 0; l--)
            {
                DenseLayer layer = layers[l];
                int outp = layer.Outputs, inp = layer.Inputs;
                // |left| · diag(w_l) · |[S_l]|, all entries ≥ 0.
                var a = new double[n * outp];
                for (int i = 0; i < n; i++)
                    for (int o = 0; o < outp; o++)
                        a[i * outp + o] = MulUp(AddUp(Math.Abs(lm[i * outp + o]), lr[i * outp + o]), widths[l][o]);
                var b = new double[outp * n];
                for (int k = 0; k < b.Length; k++) b[k] = AddUp(Math.Abs(right[l].Mid[k]), right[l].Rad[k]);
                double g = Gamma(outp);
                double[] t = Multiply(a, n, outp, b, n);
                for (int k = 0; k < t.Length; k++) mr[k] = AddUp(mr[k], AddUp(MulUp(t[k], 1 + 3 * g), UnderflowSlack));
                ScaleColumns(lm, lr, centers[l], n, outp);
                (lm, lr) = IntervalTimesPoint(lm, lr, n, outp, layer.Weight, inp, _absW[l]);
            }
            // R J̃ V = (R D̃_L W_L ⋯ D̃_1 W_1) V.
            (double[] mm, double[] cr) = IntervalTimesPoint(lm, lr, n, n, _basis.V, n, _absV);
            for (int k = 0; k < mr.Length; k++) mr[k] = AddUp(mr[k], cr[k]);
            double norm = BlockNorm(mm, mr, diagonalTwoNorm: true);
            return double.IsFinite(norm) ? DivUp(norm, oneMinusE) : double.PositiveInfinity;
        }

        /// <summary>Σ_b ‖(|mid| + rad)_{o,b}‖₂ over the blocks of the columns, rounded up.</summary>
        private double RowBlockNorm(double[] mid, double[] rad, int o)
        {
            int n = _n;
            double s = 0;
            Span<double> cell = stackalloc double[2];
            for (int b = 0; b + 1 < _basis.BlockStart.Length; b++)
            {
                int len = 0;
                for (int j = _basis.BlockStart[b]; j < _basis.BlockStart[b + 1]; j++) cell[len++] = AddUp(Math.Abs(mid[o * n + j]), rad[o * n + j]);
                s = AddUp(s, Euclid(cell[..len]));
            }
            return s;
        }

        /// <summary>Columns o of the interval matrix (rows × cols) times the interval d_o.</summary>
        private static void ScaleColumns(double[] mid, double[] rad, Interval[] d, int rows, int cols)
        {
            for (int i = 0; i < rows; i++)
                for (int o = 0; o < cols; o++) Scale(mid, rad, i * cols + o, d[o]);
        }

        /// <summary>Rows o of the interval matrix times the interval d_o.</summary>
        private static void ScaleRows(double[] mid, double[] rad, Interval[] d, int cols)
        {
            for (int o = 0; o < d.Length; o++)
                for (int c = 0; c < cols; c++) Scale(mid, rad, o * cols + c, d[o]);
        }

        /// <summary>Entry k of mid ± rad times the interval d, in interval arithmetic, back to midpoint and radius (rounded up).</summary>
        private static void Scale(double[] mid, double[] rad, int k, Interval d)
        {
            Interval p = d * new Interval(SubDown(mid[k], rad[k]), AddUp(mid[k], rad[k]));
            double m = p.Midpoint;
            mid[k] = m;
            rad[k] = Math.Max(SubUp(p.Hi, m), SubUp(m, p.Lo));
        }

        /// <summary>P [A] for point P (rows × inner) and [A] = mid ± rad (inner × cols): mid = fl(P·mid), rad ≥ |P|(rad + γ|mid|)/(1 − γ).</summary>
        private static (double[] Mid, double[] Rad) PointTimesInterval(double[] p, int rows, int inner, double[] mid, double[] rad, int cols, double[]? absP = null) =>
            Product(p, rows, inner, mid, cols, absP ?? p.Select(Math.Abs).ToArray(), Widen(mid, rad, inner), pointOnLeft: true);

        /// <summary>[A] P for [A] = mid ± rad (rows × inner) and point P (inner × cols): mid = fl(mid·P), rad ≥ (rad + γ|mid|)|P|/(1 − γ).</summary>
        private static (double[] Mid, double[] Rad) IntervalTimesPoint(double[] mid, double[] rad, int rows, int inner, double[] p, int cols, double[] absP) =>
            Product(mid, rows, inner, p, cols, absP, Widen(mid, rad, inner), pointOnLeft: false);

        /// <summary>rad + γ_inner·|mid|, rounded up: the interval factor's radius plus the product's rounding, per entry.</summary>
        private static double[] Widen(double[] mid, double[] rad, int inner)
        {
            double g = Gamma(inner);
            var u = new double[mid.Length];
            for (int k = 0; k < u.Length; k++) u[k] = AddUp(rad[k], MulUp(g, Math.Abs(mid[k])));
            return u;
        }

        private static (double[] Mid, double[] Rad) Product(double[] a, int rows, int inner, double[] b, int cols, double[] absPoint, double[] widened, bool pointOnLeft)
        {
            double g = Gamma(inner);
            double[] m = Multiply(a, rows, inner, b, cols);
            double[] s = pointOnLeft ? Multiply(absPoint, rows, inner, widened, cols) : Multiply(widened, rows, inner, absPoint, cols);
            for (int k = 0; k < s.Length; k++) s[k] = AddUp(MulUp(s[k], 1 + 3 * g), UnderflowSlack);
            return (m, s);
        }

        /// <summary>
        /// An upper bound of max over block rows I of Σ_J ‖M_IJ‖₂ for every M in mid ± rad: a diagonal block by
        /// ‖mid_II‖₂ (exact for 1×1, by the largest eigenvalue of midᵀmid for 2×2, in interval arithmetic) + ‖rad_II‖_F
        /// when <paramref name="diagonalTwoNorm"/>, every other block by ‖|mid| + rad‖_F.
        /// </summary>
        private double BlockNorm(double[] mid, double[] rad, bool diagonalTwoNorm)
        {
            int n = _n;
            int[] bs = _basis.BlockStart;
            double worst = 0;
            Span<double> cell = stackalloc double[4];
            for (int bi = 0; bi + 1 < bs.Length; bi++)
            {
                double sum = 0;
                for (int bj = 0; bj + 1 < bs.Length; bj++)
                {
                    int len = 0;
                    for (int i = bs[bi]; i < bs[bi + 1]; i++)
                        for (int j = bs[bj]; j < bs[bj + 1]; j++)
                            cell[len++] = AddUp(Math.Abs(mid[i * n + j]), rad[i * n + j]);
                    double bound;
                    if (diagonalTwoNorm && bi == bj)
                    {
                        len = 0;
                        for (int i = bs[bi]; i < bs[bi + 1]; i++)
                            for (int j = bs[bj]; j < bs[bj + 1]; j++) cell[len++] = rad[i * n + j];
                        double radF = Euclid(cell[..len]);
                        int i0 = bs[bi];
                        bound = len == 1 ? Math.Abs(mid[i0 * n + i0]) : TwoNorm(mid[i0 * n + i0], mid[i0 * n + i0 + 1], mid[(i0 + 1) * n + i0], mid[(i0 + 1) * n + i0 + 1]);
                        bound = AddUp(bound, radF);
                    }
                    else bound = Euclid(cell[..len]);
                    sum = AddUp(sum, bound);
                }
                if (!double.IsFinite(sum)) return double.PositiveInfinity;
                worst = Math.Max(worst, sum);
            }
            return worst;
        }
    }

    /// <summary>An upper bound of the largest singular value of [[a, b], [c, d]].</summary>
    private static double TwoNorm(double a, double b, double c, double d)
    {
        Interval ia = Interval.Point(a), ib = Interval.Point(b), ic = Interval.Point(c), id = Interval.Point(d);
        Interval p = Interval.Sqr(ia) + Interval.Sqr(ic), s = Interval.Sqr(ib) + Interval.Sqr(id), q = ia * ib + ic * id;
        Interval half = (p - s) * 0.5;
        Interval lambda = (p + s) * 0.5 + Interval.Sqrt(Interval.Sqr(half) + Interval.Sqr(q));
        return SqrtUp(lambda.Hi);
    }

    /// <summary>√(Σ v²) rounded up.</summary>
    private static double Euclid(ReadOnlySpan<double> v)
    {
        double s = 0;
        foreach (double x in v) s = AddUp(s, MulUp(x, x));
        return SqrtUp(s);
    }

    /// <summary>fl(A B) for row-major A (rows × inner) and B (inner × cols) by the fma chains of <see cref="Gemm"/>.</summary>
    private static double[] Multiply(double[] a, int rows, int inner, double[] b, int cols)
    {
        var c = new double[rows * cols];
        Gemm.AffineRows(a, rows, inner, b, cols, new double[cols], c);
        return c;
    }
}

/// <summary>
/// The census's prover (<see cref="IAttractionBallProver"/>), networks only: for undamped Picard first the Euclidean ball of
/// F^m (<see cref="EuclideanBall"/>: large balls, O(N³) on all cores), then, where that fails and the census allows the cost,
/// <see cref="ContractionBall.Prove"/> in the eigenbasis norm and then in the ∞-norm (which also cover damped Picard).
/// </summary>
public sealed class ContractionBallProver : IAttractionBallProver
{
    private readonly LayerNormCache _layerNorms = new();
    private readonly HeldJacobians _jacobians = new();

    public ContractionBallProver(ContractionBallOptions? options = null) => Options = options ?? new ContractionBallOptions();

    public ContractionBallOptions Options { get; }

    /// <summary>Settings of the Euclidean ball, tried first; null: never tried.</summary>
    public EuclideanBallOptions? Euclidean { get; init; } = new();

    /// <summary>Networks without residual connections whose activation has an interval enclosure.</summary>
    public bool Supports(IMap map) => map is Network { Residual: false } network && IntervalActivation.IsSupported(network.Activation);

    /// <summary>The layers' proved spectral norms, which every Euclidean ball on the network needs, one at a time on one thread until <paramref name="cancellationToken"/> says the pilot has ended.</summary>
    public void Prepare(IMap map, CancellationToken cancellationToken)
    {
        if (Euclidean is null || map is not Network network || !EuclideanBall.Supports(network)) return;
        foreach (DenseLayer layer in network.AppliedLayers.Distinct())
        {
            if (cancellationToken.IsCancellationRequested) return;
            _layerNorms.For(layer, threads: 1);
        }
    }

    /// <summary>The Euclidean ball, for undamped Picard on the networks it supports.</summary>
    public bool HasCheapProof(IMap map, double damping) => Euclidean is not null && damping == 1 && map is Network network && EuclideanBall.Supports(network);

    /// <summary>J at a centre that a Euclidean proof formed (from <see cref="FormedJacobianOperator.FromDimension"/> on, the most recent few), or null.</summary>
    public double[]? FormedJacobian(IMap map, ReadOnlySpan<double> point) => _jacobians.Find(map, point);

    public IAttractionBall? Prove(IMap map, double[] center, double damping, bool costlyFallback, CancellationToken cancellationToken)
    {
        if (map is not Network network) return null;
        if (HasCheapProof(map, damping))
        {
            EuclideanBallResult e = EuclideanBall.Prove(network, center, Euclidean, _layerNorms, cancellationToken);
            if (e.Jacobian is not null && network.Dimension >= FormedJacobianOperator.FromDimension) _jacobians.Add(network, center, e.Jacobian);
            if (e.Proved) return e.Ball;
        }
        if (!costlyFallback) return null;
        ContractionBallResult r = ContractionBall.Prove(network, center, BallNorm.Eigenbasis, Options, cancellationToken);
        if (r.Proved || r.Refusal is BallRefusal.UnsupportedMap or BallRefusal.NotAttracting or BallRefusal.NonFinite) return r.Ball;
        return ContractionBall.Prove(network, center, BallNorm.Max, Options, cancellationToken).Ball;
    }
}

/// <summary>
/// The Jacobians the Euclidean proofs formed, by map and point (bit for bit), so that the census's stability step at the same
/// point need not form J again (at N = 2048 that is a second of two-core work). Holds at most <see cref="MaxNumbers"/>
/// numbers (by default), dropping the oldest. Thread-safe.
/// </summary>
internal sealed class HeldJacobians
{
    /// <summary>256 MiB of float64: eight Jacobians at N = 2048, two at 4096.</summary>
    public const long MaxNumbers = 1L << 25;

    private readonly LinkedList<(IMap Map, double[] Point, double[] Jacobian)> _held = new();
    private readonly object _gate = new();
    private readonly long _maxNumbers;

    public HeldJacobians(long maxNumbers = MaxNumbers) => _maxNumbers = maxNumbers;

    public void Add(IMap map, double[] point, double[] jacobian)
    {
        if (jacobian.LongLength > _maxNumbers) return;
        lock (_gate)
        {
            _held.AddFirst((map, (double[])point.Clone(), jacobian));
            long total = 0;
            for (var node = _held.First; node is not null;)
            {
                var next = node.Next;
                total += node.Value.Jacobian.LongLength;
                if (total > _maxNumbers) _held.Remove(node);
                node = next;
            }
        }
    }

    public double[]? Find(IMap map, ReadOnlySpan<double> point)
    {
        lock (_gate)
        {
            foreach (var (m, p, j) in _held)
                if (ReferenceEquals(m, map) && point.SequenceEqual(p)) return j;
        }
        return null;
    }
}
