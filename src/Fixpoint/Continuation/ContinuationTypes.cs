using System.Numerics;
using Fixpoint.Census;

namespace Fixpoint.Continuation;

/// <summary>Options of <see cref="PseudoArclength"/>; validated where they are built.</summary>
public sealed record ContinuationOptions
{
    public const int DefaultMaxSteps = 400;
    public const double DefaultLocateTolerance = 1e-10;

    private readonly double _from, _to = 1, _step = 0.02, _minStep = 1e-7, _maxStep = 0.1, _tol = 1e-11, _div = 1e6, _locate = DefaultLocateTolerance;
    private readonly int _maxSteps = DefaultMaxSteps, _maxBranches = 32;

    /// <summary>One end of the parameter range; the other is <see cref="To"/>. Either may be the larger.</summary>
    public double From { get => _from; init => _from = double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(From), value, "must be finite"); }

    public double To { get => _to; init => _to = double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(To), value, "must be finite"); }

    /// <summary>The first arclength step in (x, p).</summary>
    public double Step { get => _step; init => _step = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(Step), value, "must be > 0"); }

    /// <summary>Below this step a branch that the corrector cannot follow ends as diverged.</summary>
    public double MinStep { get => _minStep; init => _minStep = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MinStep), value, "must be > 0"); }

    /// <summary>The cap on the adaptive step.</summary>
    public double MaxStep { get => _maxStep; init => _maxStep = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(MaxStep), value, "must be > 0"); }

    /// <summary>Steps per direction of a branch.</summary>
    public int MaxSteps { get => _maxSteps; init => _maxSteps = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxSteps), value, "must be ≥ 1"); }

    /// <summary>The corrector converged when ‖F(x; p) − x‖∞ ≤ this.</summary>
    public double Tolerance { get => _tol; init => _tol = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(Tolerance), value, "must be > 0"); }

    /// <summary>‖x‖∞ above this ends a branch as diverged.</summary>
    public double DivergenceBound { get => _div; init => _div = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(DivergenceBound), value, "must be > 0"); }

    /// <summary>Bifurcations are located until the bracket in arclength (and so in p) is below this.</summary>
    public double LocateTolerance { get => _locate; init => _locate = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(LocateTolerance), value, "must be > 0"); }

    /// <summary>Branches in all (starts and switched), a guard against endless switching.</summary>
    public int MaxBranches { get => _maxBranches; init => _maxBranches = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxBranches), value, "must be ≥ 1"); }

    /// <summary>Follow the second branch through every branch point located (dense corrector only).</summary>
    public bool BranchSwitching { get; init; } = true;

    /// <summary>Dense LU corrector, or GMRES on J·v; Auto takes Krylov from <see cref="CensusNewton.KrylovThreshold"/>.</summary>
    public NewtonMethod Newton { get; init; } = NewtonMethod.Auto;

    /// <summary>Dense eigenvalues, or Krylov–Schur; Auto takes Krylov from <see cref="FixedPointStability.KrylovFromDimension"/>.</summary>
    public EigenMethod Eigen { get; init; } = EigenMethod.Auto;

    public double Lower => Math.Min(From, To);
    public double Upper => Math.Max(From, To);
}

/// <summary>One point of a branch: the parameter, the fixed point, and its stability.</summary>
public sealed record BranchPoint(double Parameter, double[] X, double SpectralRadius, int UnstableDimensions, Stability Stability);

/// <summary>How a direction of a branch ended.</summary>
public enum BranchEnd
{
    /// <summary>It reached an end of the parameter range (its last point lies on it).</summary>
    LeftRange,

    /// <summary>It came back to its first point.</summary>
    Closed,

    /// <summary>The corrector failed at the smallest step, or ‖x‖ passed the divergence bound.</summary>
    Diverged,

    /// <summary>It took <see cref="ContinuationOptions.MaxSteps"/> steps.</summary>
    MaxSteps,

    Cancelled,
}

/// <summary>
/// A branch of fixed points, its points in arclength order (the backward direction reversed, then the forward
/// one). <see cref="Origin"/> is "start K" or "branch point K".
/// </summary>
public sealed record Branch(int Id, string Origin, IReadOnlyList<BranchPoint> Points, BranchEnd BackwardEnd, BranchEnd ForwardEnd);

public enum BifurcationType
{
    /// <summary>A real eigenvalue crosses +1 where the branch turns back in p (the tangent's p-component changes sign).</summary>
    Fold,

    /// <summary>A real eigenvalue crosses −1 (period doubling).</summary>
    Flip,

    /// <summary>A complex pair crosses the unit circle.</summary>
    NeimarkSacker,

    /// <summary>A real eigenvalue crosses +1 where the branch does not turn: another branch crosses it (pitchfork, transcritical).</summary>
    BranchPoint,
}

/// <summary>
/// A located bifurcation: its parameter and point, the eigenvalues on the critical circle (the one or two
/// nearest the crossing), the branch it lies on and the branches switched onto from it, and for
/// Neimark–Sacker the angle θ of the pair e^{±iθ}.
/// </summary>
public sealed record Bifurcation(BifurcationType Type, double Parameter, double[] X, Complex[] CriticalEigenvalues, int Branch,
    IReadOnlyList<int> NewBranches, double? Angle, bool Located);

public enum ContinuationStatus
{
    Complete,

    /// <summary>Cancelled: what was traced is kept.</summary>
    Partial,
}

public sealed record ContinuationResult(string Parameter, double From, double To, IReadOnlyList<Branch> Branches,
    IReadOnlyList<Bifurcation> Bifurcations, ContinuationStatus Status, string NewtonMethod, string EigenMethod);
