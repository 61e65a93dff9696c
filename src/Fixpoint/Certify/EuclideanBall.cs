using System.Buffers;
using System.Numerics.Tensors;
using Fixpoint.Census;
using Fixpoint.Maps;
using Fixpoint.Numerics;
using static Fixpoint.Certify.Rounding;

namespace Fixpoint.Certify;

/// <summary>Why <see cref="EuclideanBall.Prove"/> proved no ball.</summary>
public enum EuclideanBallRefusal
{
    /// <summary>A ball was proved.</summary>
    None,
    /// <summary>A residual network, or an activation without global bounds on g′ and g″ (relu, leaky relu, polynomials).</summary>
    UnsupportedMap,
    /// <summary>No power J(x̃)^m, m ≤ <see cref="EuclideanBallOptions.MaxSteps"/>, has a proved 2-norm below 1.</summary>
    NotContracting,
    /// <summary>‖J^m‖₂ &lt; 1, but the second-order terms leave no radius where the bounds close.</summary>
    NoRadius,
    /// <summary>An enclosure was not finite.</summary>
    NonFinite,
}

/// <summary>Settings of <see cref="EuclideanBall.Prove"/>.</summary>
public sealed record EuclideanBallOptions
{
    public const int DefaultMaxSteps = 4;

    /// <summary>From this proved ‖J^m‖₂ down, no further power is tried (each costs two dense products and a factorisation).</summary>
    public const double GoodEnoughStepNorm = 0.75;

    private readonly int _maxSteps = DefaultMaxSteps;

    /// <summary>The most steps m of F^m tried; 1 … 16.</summary>
    public int MaxSteps { get => _maxSteps; init => _maxSteps = value is >= 1 and <= 16 ? value : throw new ArgumentOutOfRangeException(nameof(MaxSteps), value, "must be in 1 … 16"); }

    /// <summary>Threads for the dense products and factorisations (≤ 0: all cores). The result does not depend on it.</summary>
    public int Threads { get; init; }
}

/// <summary>The outcome of <see cref="EuclideanBall.Prove"/>: a ball, or the reason there is none, with the proved ‖J(x̃)^k‖₂ for k = 1 … (as far as computed).</summary>
public sealed record EuclideanBallResult(EuclideanBall? Ball, EuclideanBallRefusal Refusal, IReadOnlyList<double> StepNorms)
{
    public bool Proved => Ball is not null;

    /// <summary>
    /// J(x̃) as the proof formed it (row-major N × N, the product chain on the midpoints of the enclosed derivatives), or
    /// null where the proof stopped before forming it. Not itself proved: it is what a stability step would form at x̃.
    /// </summary>
    public double[]? Jacobian { get; init; }
}

/// <summary>
/// A proved region of attraction B = {x : ‖x − x̃‖₂ ≤ r} around an approximate fixed point x̃ of a network F (no residual
/// connections; g with |g′| ≤ c₁, |g″| ≤ c₂ everywhere), in the plain Euclidean norm, for G = F^m: the m-step map is a
/// contraction in ‖·‖₂ at x̃ although F itself need not be (‖J‖₂ &gt; 1 with ρ(J) &lt; 1 is the rule for random networks).
/// <para>What is proved, with J = J(x̃) exact, σ_k ≥ ‖J^k‖₂ and ρ ≥ ‖F(x̃) − x̃‖₂ (all enclosed with rounding errors):
/// <list type="number">
/// <item>Second order, globally: ε(δ) = F(x̃ + δ) − F(x̃) − Jδ obeys ‖ε(δ)‖₂ ≤ φ(‖δ‖₂), layer by layer from Taylor's
/// |g(a + t) − g(a) − g′(a)t| ≤ ½c₂t², where a layer's pre-activation change v = W_lΔ has ‖v‖∞ ≤ ω′_l s + ω_l η (ω′_l the
/// largest row norm of W_l·(D_{l−1}W_{l−1}⋯D₁W₁), ω_l that of W_l, η the second-order part so far) and
/// ‖v‖₂ ≤ γ̄_l s + ‖W_l‖₂η, so ‖½c₂v²‖₂ ≤ ½c₂‖v‖∞‖v‖₂.</item>
/// <item>With δ_{k+1} = (F(x̃) − x̃) + Jδ_k + ε(δ_k), ‖G(x) − x̃‖₂ ≤ Φ(‖x − x̃‖₂) = σ_m s + Σ_k σ_{m−1−k}(ρ + φ(n_k)),
/// n₀ = s, n_{k+1} = ρ + σ₁n_k + φ(n_k). Φ is increasing and convex (a composition of polynomials with nonnegative
/// coefficients), so Φ(s) &lt; s at s₀ and at r gives it on [s₀, r].</item>
/// <item>On B_c = {‖x − x̃‖₂ ≤ s_c}: ‖J(y) − J‖₂ ≤ ψ(‖y − x̃‖₂) = ∏(c₁‖W_l‖₂ + c₂‖v_l‖∞‖W_l‖₂) − ∏c₁‖W_l‖₂, so
/// ‖J_G‖₂ ≤ K = σ_m + ∏_k(σ₁ + ψ(n_k)) − σ₁^m &lt; 1 there, and Φ(s_c) &lt; s_c: G is a contraction of B_c into itself.</item>
/// </list>
/// So for x ∈ B the distances ‖G^j(x) − x̃‖₂ decrease below s_c (Φ(s) &lt; s on [s_c, r]), the G-orbit converges to the
/// unique fixed point y of G in B_c, and y is a fixed point of F: ‖y − x̃‖₂ &lt; s₀ (Φ(s) ≥ s only below s₀), so
/// ‖F(y) − x̃‖₂ ≤ n₁(s₀) ≤ s_c, and F(y) = G(F(y)) is the same fixed point. Every Picard orbit F^j(x) from B converges
/// to it. (Damped Picard iterates another map, and is not covered.)</para>
/// <para>Cost: ‖W_l‖₂ once per layer and network, then per point the product chain J = ∏D_lW_l, the powers up to m and
/// one Gram matrix and Cholesky factorisation per power (<see cref="SpectralNormBound"/>): O(N³) on all cores.</para>
/// <para>Membership costs O(N): ‖fl(x − x̃)‖₂ computed, and accepted when its rounding bound still leaves it below r.</para>
/// </summary>
public sealed class EuclideanBall : IAttractionBall
{
    private const double U = UnitRoundoff;
    private readonly double _acceptSquared;

    private EuclideanBall(double[] center, double centerResidual, double radius, double innerRadius, double contraction, int steps)
    {
        Center = center;
        CenterResidual = centerResidual;
        Radius = radius;
        InnerRadius = innerRadius;
        Contraction = contraction;
        Steps = steps;
        // fl(Σ fl(x_i − c_i)²) ≥ (1 − γ_{N+2})‖x − c‖², and 1e-12 more for the square root and the comparison.
        double shrink = SubDown(1, AddUp(SpectralNormBound.Gamma(center.Length + 4), 1e-12));
        _acceptSquared = MulDown(MulDown(radius, radius), shrink);
    }

    public double[] Center { get; }

    /// <summary>‖F(x̃) − x̃‖∞ in floating point.</summary>
    public double CenterResidual { get; }

    /// <summary>r: every Picard orbit from ‖x − x̃‖₂ ≤ r converges to the fixed point in the ball.</summary>
    public double Radius { get; }

    /// <summary>s_c ≤ r: the inner ball on which F^m is a proved contraction.</summary>
    public double InnerRadius { get; }

    double? IAttractionBall.InnerRadius => InnerRadius;

    int? IAttractionBall.Steps => Steps;

    /// <summary>K &lt; 1: the proved contraction factor of F^<see cref="Steps"/> on the inner ball, in ‖·‖₂.</summary>
    public double Contraction { get; }

    /// <summary>m, the steps of the map G = F^m the proof is about.</summary>
    public int Steps { get; }

    public string Norm => "euclidean";

    public bool Contains(ReadOnlySpan<double> x)
    {
        int n = Center.Length;
        if (x.Length != n) throw new ArgumentException($"the point has {x.Length} coordinates, the ball {n}", nameof(x));
        double[] d = ArrayPool<double>.Shared.Rent(n);
        try { return Inside(x, d.AsSpan(0, n)); }
        finally { ArrayPool<double>.Shared.Return(d); }
    }

    public void ContainsAll(ReadOnlySpan<double> x, int rows, Span<bool> inside)
    {
        int n = Center.Length;
        if (x.Length < (long)rows * n || inside.Length < rows) throw new ArgumentException($"{rows} points of {n} coordinates do not fit the spans", nameof(x));
        double[] d = ArrayPool<double>.Shared.Rent(n);
        try
        {
            for (int r = 0; r < rows; r++) inside[r] = Inside(x.Slice(r * n, n), d.AsSpan(0, n));
        }
        finally { ArrayPool<double>.Shared.Return(d); }
    }

    private bool Inside(ReadOnlySpan<double> x, Span<double> d)
    {
        TensorPrimitives.Subtract(x, Center, d);
        double s = TensorPrimitives.SumOfSquares(d);
        return s <= _acceptSquared;
    }

    /// <summary>Global bounds c₁ ≥ |g′| and c₂ ≥ |g″| of the activations the proof supports, rounded up; null for the others.</summary>
    public static (double C1, double C2)? DerivativeBounds(Activation activation) => activation switch
    {
        TanhActivation => (1.0, 0.7698004),          // max |tanh″| = 4/(3√3) = 0.76980035…
        LogisticActivation => (0.25, 0.0962251),     // max |σ″| = 1/(6√3) = 0.09622504…
        SoftplusActivation => (1.0, 0.25),
        IdentityActivation => (1.0, 0.0),
        SinActivation => (1.0, 1.0),
        _ => null,
    };

    /// <summary>Whether <see cref="Prove"/> can prove anything for this network at all.</summary>
    public static bool Supports(Network network) =>
        !network.Residual && DerivativeBounds(network.Activation) is not null && IntervalActivation.IsSupported(network.Activation);

    /// <summary>Proves a ball around <paramref name="center"/>, or says why not. <paramref name="layerNorms"/> caches ‖W_l‖₂ between calls on one network.</summary>
    public static EuclideanBallResult Prove(Network network, double[] center, EuclideanBallOptions? options = null, LayerNormCache? layerNorms = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(center);
        options ??= new EuclideanBallOptions();
        int n = network.Dimension;
        if (center.Length != n) throw new ArgumentException($"the centre has {center.Length} coordinates, the network {n}", nameof(center));
        if (!Supports(network)) return new(null, EuclideanBallRefusal.UnsupportedMap, []);
        if (DenseLinearAlgebra.FirstNonFinite(center) >= 0) return new(null, EuclideanBallRefusal.NonFinite, []);
        (double c1, double c2) = DerivativeBounds(network.Activation)!.Value;
        layerNorms ??= new LayerNormCache();
        var layers = network.AppliedLayers;
        int depth = layers.Count;
        var w = new double[depth];
        var omega = new double[depth];
        layerNorms.ForAll(layers, options.Threads);
        for (int l = 0; l < depth; l++) (w[l], omega[l]) = layerNorms.For(layers[l], options.Threads);
        if (w.Any(v => !double.IsFinite(v))) return new(null, EuclideanBallRefusal.NonFinite, []);

        // The derivatives of every layer at x̃ and F(x̃), enclosed.
        var derivs = new Interval[depth][];
        double rho = PointEnclosure(network, center, derivs, layerNorms);
        if (!double.IsFinite(rho)) return new(null, EuclideanBallRefusal.NonFinite, []);
        cancellationToken.ThrowIfCancellationRequested();

        // T = Jᵀ by products, T_l = T_{l−1}·W_lᵀ·D_l, with a Frobenius bound e of its error; ω′_l from the columns of T_{l−1}W_lᵀ.
        var omegaPrime = new double[depth];
        double[]? t = null;
        double e = 0;
        int width = n;
        for (int l = 0; l < depth; l++)
        {
            DenseLayer layer = layers[l];
            int inp = layer.Inputs, outp = layer.Outputs;
            double[] z;
            double zErr;
            if (t is null) { z = (double[])layer.WeightTransposed.Clone(); zErr = 0; }
            else
            {
                z = DenseProduct.MultiplyTransposed(t, n, inp, layer.Weight, outp, options.Threads);
                double tF = SpectralNormBound.NormUp(t.AsSpan(0, n * inp));
                zErr = AddUp(MulUp(e, w[l]), MulUp(MulUp(SpectralNormBound.Gamma(inp), tF), layerNorms.Frobenius(layer)));
            }
            omegaPrime[l] = AddUp(MaxColumnNormUp(z, n, outp), zErr);
            double dMax = 0, dRad = 0;
            var dMid = new double[outp];
            for (int j = 0; j < outp; j++)
            {
                Interval d = derivs[l][j];
                dMid[j] = d.Midpoint;
                dMax = Math.Max(dMax, d.Mag);
                dRad = Math.Max(dRad, d.Radius);
            }
            // T_l − fl(Ẑ D̂) = (Z − Ẑ)D + Ẑ(D − D̂) + (ẐD̂ − fl(ẐD̂)).
            double zF = SpectralNormBound.NormUp(z.AsSpan(0, n * outp));
            e = AddUp(MulUp(zErr, dMax), MulUp(zF, AddUp(dRad, MulUp(U, dMax))));
            for (int r = 0; r < n; r++) TensorPrimitives.Multiply(z.AsSpan(r * outp, outp), dMid, z.AsSpan(r * outp, outp));
            t = z;
            width = outp;
            cancellationToken.ThrowIfCancellationRequested();
        }
        if (width != n || t is null || !double.IsFinite(e)) return new(null, EuclideanBallRefusal.NonFinite, []);

        var gammaBar = new double[depth];
        for (int l = 0; l < depth; l++)
        {
            double g = w[l];
            for (int k = 0; k < l; k++) g = MulUp(g, MulUp(c1, w[k]));
            gammaBar[l] = g;
        }

        // σ_k ≥ ‖J^k‖₂ = ‖T^k‖₂, k = 1 … m, and the best radius over m.
        var sigma = new List<double> { 1.0 };
        double[] tt = DenseLinearAlgebra.Transpose(t, n, n);
        double tFrob = SpectralNormBound.NormUp(t);
        double[] power = t;
        double powerErr = e;
        EuclideanBall? best = null;
        for (int m = 1; m <= options.MaxSteps; m++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (m > 1)
            {
                double[] next = DenseProduct.MultiplyTransposed(power, n, n, tt, n, options.Threads);
                double pF = SpectralNormBound.NormUp(power);
                // (P̂ + E_P)(T̂ + E) − fl(P̂T̂): the product's rounding, E_P·T̂, P̂·E and E_P·E, in Frobenius norms.
                powerErr = AddUp(AddUp(MulUp(MulUp(SpectralNormBound.Gamma(n), pF), tFrob), MulUp(powerErr, AddUp(tFrob, e))), MulUp(pF, e));
                power = next;
            }
            double s = SpectralNormBound.Upper(power, n, n, powerErr, options.Threads);
            sigma.Add(s);
            if (!(s < 1)) continue;
            var bounds = new Bounds(c1, c2, w, omega, omegaPrime, gammaBar, [.. sigma], rho);
            EuclideanBall? ball = bounds.Ball(center, network, m);
            if (ball is not null && (best is null || ball.Radius > best.Radius)) best = ball;
            if (s <= EuclideanBallOptions.GoodEnoughStepNorm) break;
        }
        double[] norms = [.. sigma.Skip(1)];
        if (best is not null) return new(best, EuclideanBallRefusal.None, norms) { Jacobian = tt };
        return new(null, norms.Any(s => s < 1) ? EuclideanBallRefusal.NoRadius : EuclideanBallRefusal.NotContracting, norms) { Jacobian = tt };
    }

    /// <summary>max_j ‖column j‖₂ of the rows × cols row-major matrix, rounded up.</summary>
    private static double MaxColumnNormUp(double[] z, int rows, int cols)
    {
        var sq = new double[cols];
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<double> row = z.AsSpan(r * cols, cols);
            TensorPrimitives.MultiplyAdd(row, row, sq, sq);
        }
        double max = TensorPrimitives.Max(sq);
        return SqrtUp(AddUp(MulUp(max, 1 + SpectralNormBound.Gamma(rows + 2)), 1e-300));
    }

    /// <summary>
    /// Encloses every layer's g′ at x̃ (into <paramref name="derivs"/>) and returns ρ ≥ ‖F(x̃) − x̃‖₂, by midpoint–radius
    /// arithmetic: z = fl(W m + b) with |z − (W m + b)| ≤ γ_{k+1}(‖w_i‖₂‖m‖₂ + |b_i|) and ‖w_i‖₂‖r‖₂ more for an input of radius r.
    /// </summary>
    private static double PointEnclosure(Network network, double[] x, Interval[][] derivs, LayerNormCache norms)
    {
        IntervalActivation act = IntervalActivation.For(network.Activation);
        var mid = (double[])x.Clone();
        double radNorm = 0;
        Interval[] values = [];
        var layers = network.AppliedLayers;
        for (int l = 0; l < layers.Count; l++)
        {
            DenseLayer layer = layers[l];
            int inp = layer.Inputs, outp = layer.Outputs;
            double[] rowNorms = norms.RowNorms(layer);
            double midNorm = SpectralNormBound.NormUp(mid);
            double gamma = SpectralNormBound.Gamma(inp + 1);
            derivs[l] = new Interval[outp];
            values = new Interval[outp];
            var next = new double[outp];
            double nextRad2 = 0;
            for (int o = 0; o < outp; o++)
            {
                double z = TensorPrimitives.Dot(layer.Weight.AsSpan(o * inp, inp), mid) + layer.Bias[o];
                double r = AddUp(MulUp(gamma, AddUp(MulUp(rowNorms[o], midNorm), Math.Abs(layer.Bias[o]))), MulUp(rowNorms[o], radNorm));
                var zi = new Interval(SubDown(z, r), AddUp(z, r));
                derivs[l][o] = act.Derivative(zi);
                values[o] = act.Value(zi);
                next[o] = values[o].Midpoint;
                double vr = values[o].Radius;
                nextRad2 = AddUp(nextRad2, MulUp(vr, vr));
                if (!derivs[l][o].IsFinite || !values[o].IsFinite) return double.PositiveInfinity;
            }
            mid = next;
            radNorm = SqrtUp(nextRad2);
        }
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double d = Math.Max(Math.Abs(SubUp(values[i].Hi, x[i])), Math.Abs(SubDown(values[i].Lo, x[i])));
            sum = AddUp(sum, MulUp(d, d));
        }
        return SqrtUp(sum);
    }

    /// <summary>The scalar bounds of the proof and the radius search over them (every operation rounded up).</summary>
    private sealed class Bounds(double c1, double c2, double[] w, double[] omega, double[] omegaPrime, double[] gammaBar, double[] sigma, double rho)
    {
        private const double SearchCeiling = 1e6;

        /// <summary>φ(s) ≥ ‖ε(δ)‖₂ for ‖δ‖₂ ≤ s; <paramref name="inf"/> receives each layer's bound of ‖v_l‖∞.</summary>
        private double Phi1(double s, Span<double> inf)
        {
            double eta = 0;
            for (int l = 0; l < w.Length; l++)
            {
                double vInf = AddUp(MulUp(omegaPrime[l], s), MulUp(omega[l], eta));
                double v2 = AddUp(MulUp(gammaBar[l], s), MulUp(w[l], eta));
                double err = MulUp(MulUp(0.5 * c2, vInf), v2);
                eta = AddUp(MulUp(MulUp(c1, w[l]), eta), err);
                if (!inf.IsEmpty) inf[l] = vInf;
            }
            return eta;
        }

        private double Next(double s) => AddUp(AddUp(rho, MulUp(sigma[1], s)), Phi1(s, default));

        /// <summary>Φ(s) ≥ ‖F^m(x) − x̃‖₂ for ‖x − x̃‖₂ ≤ s.</summary>
        public double Phi(double s, int m)
        {
            double total = MulUp(sigma[m], s), nk = s;
            for (int k = 0; k < m; k++)
            {
                total = AddUp(total, MulUp(sigma[m - 1 - k], AddUp(rho, Phi1(nk, default))));
                nk = Next(nk);
            }
            return total;
        }

        /// <summary>ψ(t) ≥ ‖J(y) − J(x̃)‖₂ for ‖y − x̃‖₂ ≤ t.</summary>
        private double Psi(double t)
        {
            Span<double> inf = stackalloc double[w.Length];
            Phi1(t, inf);
            double with = 1, without = 1;
            for (int l = 0; l < w.Length; l++)
            {
                double a = MulUp(c1, w[l]);
                with = MulUp(with, AddUp(a, MulUp(MulUp(c2, inf[l]), w[l])));
                without = MulDown(without, a);
            }
            return Math.Max(0, SubUp(with, without));
        }

        /// <summary>K(s) ≥ sup ‖J_{F^m}(ξ)‖₂ over ‖ξ − x̃‖₂ ≤ s.</summary>
        public double Contraction(double s, int m)
        {
            double with = 1, without = 1, nk = s;
            for (int k = 0; k < m; k++)
            {
                with = MulUp(with, AddUp(sigma[1], Psi(nk)));
                without = MulDown(without, sigma[1]);
                nk = Next(nk);
            }
            return AddUp(sigma[m], Math.Max(0, SubUp(with, without)));
        }

        /// <summary>The largest s in [lo, ceiling] with <paramref name="holds"/>, given that it holds at lo and the set where it holds is an interval.</summary>
        private static double Largest(double lo, Func<double, bool> holds)
        {
            double hi = lo;
            while (hi < SearchCeiling && holds(hi * 4)) hi *= 4;
            if (hi >= SearchCeiling) return hi;
            double good = hi, bad = hi * 4;
            for (int it = 0; it < 50 && bad > good * (1 + 1e-3); it++)
            {
                double mid = Math.Sqrt(good * bad);
                if (holds(mid)) good = mid; else bad = mid;
            }
            return good;
        }

        public EuclideanBall? Ball(double[] center, Network network, int m)
        {
            double s0 = Phi(0, m);
            s0 = Math.Max(DivUp(MulUp(4, s0), SubDown(1, sigma[m])), 1e-300);
            for (int tries = 0; tries < 12 && !(Phi(s0, m) < s0); tries++) s0 *= 4;
            // The inner ball only has to exist and catch F(s₀-ball); a contraction factor halfway between σ_m and 1 keeps
            // the reported K meaningful and does not change r, which only needs Φ(s) < s from s_c on.
            double target = 0.5 + 0.5 * sigma[m];
            if (!(Phi(s0, m) < s0) || !(Contraction(s0, m) <= target)) return null;
            double sc = Largest(s0, s => Phi(s, m) < s && Contraction(s, m) <= target);
            if (!(Next(s0) <= sc)) return null;
            double r = Largest(sc, s => Phi(s, m) < s);
            if (!double.IsFinite(r) || !(r >= sc)) return null;
            var fx = new double[center.Length];
            network.Evaluate(center, fx);
            return new EuclideanBall((double[])center.Clone(), DenseLinearAlgebra.MaxAbsDiff(fx, center), r, sc, Contraction(sc, m), m);
        }
    }
}

/// <summary>
/// Per-layer quantities of a network that every <see cref="EuclideanBall"/> proof on it needs: ‖W‖₂ (proved, O(N³) once),
/// the largest row norm, each row's norm and ‖W‖_F, all rounded up. Thread-safe; a tied network's layer is bounded once.
/// </summary>
public sealed class LayerNormCache
{
    private readonly Dictionary<DenseLayer, Entry> _entries = new(ReferenceEqualityComparer.Instance);
    private readonly object _gate = new();

    internal (double Spectral, double MaxRow) For(DenseLayer layer, int threads)
    {
        Entry e = Get(layer);
        lock (e)
        {
            Bound(e, layer, threads);
            return (e.Spectral, e.MaxRow);
        }
    }

    /// <summary>‖W‖₂ of <paramref name="layer"/> into <paramref name="e"/> unless it is there; the caller holds e's lock.</summary>
    private static void Bound(Entry e, DenseLayer layer, int threads)
    {
        if (double.IsNaN(e.Spectral)) e.Spectral = SpectralNormBound.Upper(layer.Weight, layer.Outputs, layer.Inputs, 0, threads);
    }

    /// <summary>
    /// Bounds every layer of <paramref name="layers"/>: first those no other thread is bounding (on all
    /// <paramref name="threads"/>), then waits for the rest, so that a layer another thread took (one core, during a pilot)
    /// holds up only itself.
    /// </summary>
    internal void ForAll(IReadOnlyList<DenseLayer> layers, int threads)
    {
        var busy = new List<DenseLayer>();
        foreach (DenseLayer layer in layers.Distinct())
        {
            Entry e = Get(layer);
            if (!Monitor.TryEnter(e)) { busy.Add(layer); continue; }
            try { Bound(e, layer, threads); }
            finally { Monitor.Exit(e); }
        }
        foreach (DenseLayer layer in busy) For(layer, threads);
    }

    internal double[] RowNorms(DenseLayer layer) => Get(layer).Rows;

    internal double Frobenius(DenseLayer layer) => Get(layer).Frobenius;

    private Entry Get(DenseLayer layer)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(layer, out Entry? e))
            {
                var rows = new double[layer.Outputs];
                for (int o = 0; o < layer.Outputs; o++) rows[o] = SpectralNormBound.NormUp(layer.Weight.AsSpan(o * layer.Inputs, layer.Inputs));
                e = new Entry(rows, rows.Length == 0 ? 0 : rows.Max(), SpectralNormBound.NormUp(layer.Weight));
                _entries[layer] = e;
            }
            return e;
        }
    }

    private sealed class Entry(double[] rows, double maxRow, double frobenius)
    {
        public double[] Rows { get; } = rows;
        public double MaxRow { get; } = maxRow;
        public double Frobenius { get; } = frobenius;
        public double Spectral { get; set; } = double.NaN;
    }
}
