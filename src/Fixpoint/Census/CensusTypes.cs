using System.Text.Json.Serialization;
using System.Numerics;
using Fixpoint.Solvers;

namespace Fixpoint.Census;

/// <summary>Stability of a fixed point or orbit from the spectral radius ρ of its Jacobian (or multiplier).</summary>
public enum Stability
{
    /// <summary>ρ &lt; 1 − margin: an attractor.</summary>
    Stable,
    /// <summary>|ρ − 1| ≤ margin: linearisation cannot decide.</summary>
    Marginal,
    /// <summary>ρ &gt; 1 + margin: a saddle or a repeller.</summary>
    Unstable,
}

public static class StabilityText
{
    public static string Key(this Stability s) => s switch
    {
        Stability.Stable => "stable",
        Stability.Marginal => "marginal",
        Stability.Unstable => "unstable",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };

    /// <summary>NaN (ρ could not be computed) is <see cref="Stability.Marginal"/>: undecided.</summary>
    public static Stability Classify(double spectralRadius, double margin) =>
        double.IsNaN(spectralRadius) ? Stability.Marginal
        : spectralRadius < 1 - margin ? Stability.Stable
        : spectralRadius <= 1 + margin ? Stability.Marginal
        : Stability.Unstable;
}

/// <summary>Which pass of a census first found a fixed point.</summary>
public enum FoundBy
{
    /// <summary>The census solver converged to it from at least one start.</summary>
    Iteration,
    /// <summary>Only the unstable pass (Newton on F(x) − x) reached it.</summary>
    Newton,
    /// <summary>Only deflated Newton (<see cref="DeflatedNewton"/>, census option DeflateStarts) reached it.</summary>
    Deflation,
}

/// <summary>One distinct fixed point found by a census.</summary>
/// <param name="X">The point (polished by Newton when <paramref name="Polished"/>).</param>
/// <param name="Residual">‖F(X) − X‖∞, recomputed at X.</param>
/// <param name="Polished">Whether Newton reached the polish tolerance from the cluster's best member.</param>
/// <param name="SpectralRadius">ρ(J(X)) = max |λ|.</param>
/// <param name="UnstableDimensions">Eigenvalues with |λ| &gt; 1.</param>
/// <param name="Eigenvalues">All eigenvalues of J(X), sorted by decreasing modulus.</param>
/// <param name="IsFocus">True when J has a complex pair (orbits spiral); false for a node.</param>
/// <param name="Hits">Starts whose solve converged to this point (0 for points found only by the Newton pass).</param>
/// <param name="BasinFraction">Hits / finished starts.</param>
/// <param name="FoundBy"><see cref="FoundBy.Iteration"/> (the census solver), <see cref="FoundBy.Newton"/> (the unstable pass only) or <see cref="FoundBy.Deflation"/> (deflated Newton only).</param>
public sealed record FixedPointInfo(
    double[] X,
    double Residual,
    bool Polished,
    double SpectralRadius,
    Stability Stability,
    int UnstableDimensions,
    Complex[] Eigenvalues,
    bool IsFocus,
    long Hits,
    double BasinFraction,
    (double Lo, double Hi) BasinCI95,
    FoundBy FoundBy)
{
    /// <summary>Estimated error of <see cref="SpectralRadius"/> when the Jacobian is estimated (ONNX models); 0 for exact Jacobians, +∞ when there is no bound (see <see cref="StabilityUncertainty"/>).</summary>
    public double SpectralRadiusError { get; init; }

    /// <summary>True when ρ ± <see cref="SpectralRadiusError"/> straddles a stability threshold, or Krylov could not decide (see <see cref="FixedPointStability.FromKrylov"/>): the verdict may be wrong.</summary>
    public bool StabilityUncertain { get; init; }

    /// <summary>How <see cref="Eigenvalues"/> were computed: <see cref="EigenMethod.Dense"/> (all of them) or <see cref="EigenMethod.Krylov"/> (those with |λ| ≥ 1 − 0.05 and the leading few).</summary>
    public EigenMethod EigenvalueMethod { get; init; } = EigenMethod.Dense;

    /// <summary>The largest residual bound ‖J y − λ y‖₂ among <see cref="Eigenvalues"/> (Krylov); 0 for dense.</summary>
    public double EigenvalueResidual { get; init; }
    /// <summary>The proved ball of attraction early assignment used for this point; null when none was proved (or assignment was off).</summary>
    public ProvenBall? Ball { get; init; }

    /// <summary>Its unstable modes and slowest stable ones (<see cref="FixedPointModes"/>); null when they were not asked for.</summary>
    public IReadOnlyList<FixedPointMode>? Modes { get; init; }
}

/// <summary>One distinct periodic orbit: <see cref="Points"/> in orbit order, starting at its lexicographically smallest point.</summary>
/// <param name="MultiplierRadius">Spectral radius of J(x_{k−1})⋯J(x_0) along the orbit.</param>
public sealed record CycleInfo(
    int Period,
    double[][] Points,
    long Hits,
    double BasinFraction,
    (double Lo, double Hi) BasinCI95,
    double MultiplierRadius,
    Stability Stability);

/// <summary>How the starts ended; every count but <see cref="Cancelled"/> is a finished start, and those add up to <see cref="Total"/>.</summary>
public sealed record OutcomeCounts(long Converged, long Cycle, long Diverged, long MaxIterations)
{
    /// <summary>Starts at which a NaN or infinity appeared (<see cref="SolveStatus.NonFinite"/>).</summary>
    public long NonFinite { get; init; }

    /// <summary>Starts whose solver could not make a step (<see cref="SolveStatus.Stalled"/>).</summary>
    public long Stalled { get; init; }

    /// <summary>Starts cut off by cancellation; not finished, so not in <see cref="Total"/>.</summary>
    public long Cancelled { get; init; }

    [JsonIgnore]
    public long Total => Converged + Cycle + Diverged + MaxIterations + NonFinite + Stalled;
}

/// <summary>
/// Everything a census found. Basin fractions of fixed points and cycles, plus the diverged and
/// max-iteration fractions, add up to 1 over the <see cref="Starts"/> finished starts.
/// </summary>
public sealed record CensusResult(
    int Dimension,
    int Starts,
    int RequestedStarts,
    ulong Seed,
    string Solver,
    string StartsDescription,
    OutcomeCounts Outcomes,
    IReadOnlyList<FixedPointInfo> FixedPoints,
    IReadOnlyList<CycleInfo> Cycles,
    MissingEstimate EstimatedMissing,
    double ElapsedSeconds,
    long Evaluations,
    bool Partial,
    CensusOptions Options,
    double[] StartPoints,
    SolveStatus?[] StartStatus,
    int?[] StartAttractor)
{
    /// <summary>Seconds of each phase (census.json's <c>phaseSeconds</c>).</summary>
    public PhaseSeconds Phases { get; init; } = PhaseSeconds.None;
    /// <summary>What early assignment did; null when it was off (or did not apply to the solver).</summary>
    public EarlyAssignmentSummary? EarlyAssignment { get; init; }

    /// <summary>For start i: the iterations its solve ran (those it ran before an early assignment ended it).</summary>
    public int[] StartIterations { get; init; } = [];

    /// <summary>For start i: whether early assignment ended it in a proved ball (it is then converged to that ball's point).</summary>
    public bool[] StartAssigned { get; init; } = [];

    /// <summary>The slow points (<see cref="SlowPointSearch"/>), lowest q first; null when the search was off.</summary>
    public IReadOnlyList<SlowPoint>? SlowPoints { get; init; }

    /// <summary>Distinct attracting (stable) fixed points.</summary>
    public int StableCount => FixedPoints.Count(f => f.Stability == Stability.Stable);

    /// <summary>For start i: the index of the fixed point it reached, FixedPoints.Count + j for cycle j, or null when it reached neither.</summary>
    public int? AttractorOf(int start) => StartAttractor[start];
}
