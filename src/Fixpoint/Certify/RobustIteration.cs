using Fixpoint.Maps;
using Fixpoint.Numerics;

namespace Fixpoint.Certify;

/// <summary>A perturbation h: writes h(x) for the step that maps x^(t−1) to x^(t) (t ≥ 1) into <c>h</c>.</summary>
public delegate void Perturbation(ReadOnlySpan<double> x, int step, Span<double> h);

/// <summary>Ready-made perturbations for <see cref="RobustIteration.Run"/>.</summary>
public static class Perturbations
{
    /// <summary>Seeded noise, uniform on [−δ, δ]^N, drawn for step t from <c>Rng.Derive(seed, t)</c>: the same seed gives the same orbit.</summary>
    public static Perturbation UniformNoise(double delta, ulong seed)
    {
        if (!(delta >= 0) || !double.IsFinite(delta)) throw new ArgumentOutOfRangeException(nameof(delta), delta, "must be ≥ 0 and finite");
        return (x, step, h) =>
        {
            Rng rng = Rng.Derive(seed, (ulong)step);
            for (int i = 0; i < h.Length; i++) h[i] = rng.Uniform(-delta, delta);
        };
    }

    /// <summary>h(x) = G(x) − F(x): iterating F + h is iterating G, so a map G is studied as a perturbation of F.</summary>
    public static Perturbation Difference(IMap g, IMap f)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(f);
        if (g.Dimension != f.Dimension) throw new ArgumentException($"the maps have dimensions {g.Dimension} and {f.Dimension}");
        return (x, step, h) =>
        {
            var fx = new double[x.Length];
            g.Evaluate(x, h);
            f.Evaluate(x, fx);
            for (int i = 0; i < h.Length; i++) h[i] -= fx[i];
        };
    }

    /// <summary>No perturbation: the plain iteration, for which the bounds are the Banach bounds with δ = 0.</summary>
    public static Perturbation None => static (x, step, h) => h.Clear();
}

/// <summary>Settings of <see cref="RobustIteration.Run"/>.</summary>
public sealed record RobustIterationOptions
{
    /// <summary>Absolute slack allowed in the floating-point comparisons of a bound: computed distances carry rounding errors of this order.</summary>
    public const double BoundSlack = 1e-12;

    private readonly int _steps = 50;
    private readonly double _delta;
    private readonly double _k = 0.5;

    /// <summary>Iterations t = 1 … Steps.</summary>
    public int Steps { get => _steps; init => _steps = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Steps), value, "must be ≥ 1"); }

    /// <summary>δ, the bound ‖h‖∞ ≤ δ that the theorem assumes; ≥ 0.</summary>
    public double Delta { get => _delta; init => _delta = value >= 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(Delta), value, "must be ≥ 0 and finite"); }

    /// <summary>K, the contraction constant of F on D, in [0, 1).</summary>
    public double K { get => _k; init => _k = value >= 0 && value < 1 ? value : throw new ArgumentOutOfRangeException(nameof(K), value, "must be in [0, 1)"); }
}

/// <summary>How a robust iteration went.</summary>
public enum RobustIterationStatus
{
    /// <summary>Every iterate stayed in D, every ‖h‖∞ ≤ δ, and both bounds held at every step.</summary>
    BoundsHeld,
    /// <summary>Both bounds held, but an iterate left D (or ‖h‖∞ exceeded δ): the theorem's hypotheses failed, so the bounds held without its guarantee.</summary>
    BoundsHeldOutsideHypotheses,
    /// <summary>A bound failed; the hypotheses (iterates in D, ‖h‖∞ ≤ δ, K valid on D) were then violated somewhere, or K is wrong.</summary>
    BoundViolated,
    /// <summary>An iterate was not finite; the orbit stops there.</summary>
    NonFinite,
}

/// <summary>
/// Step t of a robust iteration: the iterate, e_t = ‖x^(t) − p‖∞, the one-step bound K·e_(t−1) + δ,
/// the a-priori bound K^t·e_0 + δ/(1 − K), whether each held (with <see cref="RobustIterationOptions.BoundSlack"/>),
/// ‖h(x^(t−1))‖∞, and whether x^(t) lies in D.
/// </summary>
public sealed record RobustStep(
    int T,
    double Distance,
    double StepBound,
    double APrioriBound,
    bool StepBoundHolds,
    bool APrioriBoundHolds,
    double PerturbationNorm,
    bool PerturbationWithinDelta,
    bool InRegion);

/// <summary>
/// The orbit x^(0) … x^(T) (<see cref="Orbit"/>, shape (T + 1, N)) with its per-step checks (<see cref="Steps"/>, one per t ≥ 1),
/// <see cref="LimitRadius"/> = δ/(1 − K), and the first step whose iterate left D (null when none did, or when no D was given).
/// </summary>
public sealed record RobustIterationResult(
    RobustIterationStatus Status,
    double[][] Orbit,
    IReadOnlyList<RobustStep> Steps,
    double InitialDistance,
    double LimitRadius,
    int? FirstStepOutsideRegion,
    int? FirstStepPerturbationAboveDelta,
    int? FirstViolatedStep);

/// <summary>
/// Theorem 4.2 of paper A in its vector form: the perturbed iteration x^(t) = F(x^(t−1)) + h(x^(t−1))
/// with ‖h‖∞ ≤ δ, ‖J_F‖∞ ≤ K on D and F(D) ⊆ D satisfies, for the fixed point p of F in D,
/// ‖x^(t) − p‖∞ ≤ K‖x^(t−1) − p‖∞ + δ and ‖x^(t) − p‖∞ ≤ K^t‖x^(0) − p‖∞ + δ/(1 − K).
/// The proof needs every iterate to stay in D, which the paper does not check: this runs the orbit,
/// checks both bounds and the hypotheses at every step, and says when an iterate leaves D.
/// </summary>
public static class RobustIteration
{
    public static RobustIterationResult Run(IMap map, ReadOnlySpan<double> x0, ReadOnlySpan<double> fixedPoint, RobustIterationOptions options,
        Perturbation perturbation, ReadOnlySpan<Interval> region = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(perturbation);
        int n = map.Dimension;
        if (x0.Length != n) throw new ArgumentException($"x0 has {x0.Length} coordinates, the map {n}", nameof(x0));
        if (fixedPoint.Length != n) throw new ArgumentException($"the fixed point has {fixedPoint.Length} coordinates, the map {n}", nameof(fixedPoint));
        if (!region.IsEmpty && region.Length != n) throw new ArgumentException($"the region has {region.Length} coordinates, the map {n}", nameof(region));
        double k = options.K, delta = options.Delta;
        double limit = delta / (1 - k);
        var orbit = new List<double[]> { x0.ToArray() };
        var steps = new List<RobustStep>();
        var x = x0.ToArray();
        var fx = new double[n];
        var h = new double[n];
        double e0 = DenseLinearAlgebra.MaxAbsDiff(x, fixedPoint);
        double ePrev = e0, kt = 1.0;
        int? outside = null, above = null, violated = null;
        bool nonFinite = !double.IsFinite(e0);
        if (!region.IsEmpty && !IntervalVector.Contains(region, x)) outside = 0;
        for (int t = 1; t <= options.Steps && !nonFinite; t++)
        {
            if (cancellationToken.IsCancellationRequested) break;
            map.Evaluate(x, fx);
            perturbation(x, t, h);
            double hNorm = DenseLinearAlgebra.MaxAbs(h);
            for (int i = 0; i < n; i++) x[i] = fx[i] + h[i];
            double e = DenseLinearAlgebra.MaxAbsDiff(x, fixedPoint);
            if (!double.IsFinite(e)) { nonFinite = true; break; }
            kt *= k;
            double stepBound = k * ePrev + delta;
            double aPriori = kt * e0 + limit;
            bool stepOk = e <= stepBound + RobustIterationOptions.BoundSlack;
            bool aPrioriOk = e <= aPriori + RobustIterationOptions.BoundSlack;
            bool hOk = hNorm <= delta;
            bool inRegion = region.IsEmpty || IntervalVector.Contains(region, x);
            if (!inRegion) outside ??= t;
            if (!hOk) above ??= t;
            if (!(stepOk && aPrioriOk)) violated ??= t;
            steps.Add(new RobustStep(t, e, stepBound, aPriori, stepOk, aPrioriOk, hNorm, hOk, inRegion));
            orbit.Add((double[])x.Clone());
            ePrev = e;
        }
        RobustIterationStatus status = nonFinite ? RobustIterationStatus.NonFinite
            : violated is not null ? RobustIterationStatus.BoundViolated
            : outside is not null || above is not null ? RobustIterationStatus.BoundsHeldOutsideHypotheses
            : RobustIterationStatus.BoundsHeld;
        return new RobustIterationResult(status, [.. orbit], steps, e0, limit, outside, above, violated);
    }
}
