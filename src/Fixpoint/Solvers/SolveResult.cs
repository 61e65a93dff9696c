namespace Fixpoint.Solvers;

/// <summary>How one start ended.</summary>
public enum SolveStatus
{
    /// <summary>‖F(x) − x‖∞ ≤ Atol + Rtol·‖x‖∞ at the returned point.</summary>
    Converged,
    /// <summary>The orbit closed on itself: F^k(x) ≈ x for a period 2 ≤ k ≤ MaxPeriod (same test as convergence, for F^k).</summary>
    Cycle,
    /// <summary>At an evaluated iterate x, ‖x‖∞ or ‖F(x)‖∞ exceeded <see cref="SolveOptions.DivergenceBound"/> (both finite); the best iterate is returned.</summary>
    Diverged,
    /// <summary>No verdict within the iteration limit; the best iterate is returned.</summary>
    MaxIterations,
    /// <summary>A NaN or ±∞ appeared in an iterate x or in F(x); the best iterate is returned.</summary>
    NonFinite,
    /// <summary>The solver cannot make a step (Newton: no finite direction, or the line search cannot decrease the residual); the best iterate is returned.</summary>
    Stalled,
    /// <summary>Cut off by cancellation before a verdict; the best iterate so far (the start when none was tested) is returned.</summary>
    Cancelled,
}

public static class SolveStatusText
{
    public static string Message(this SolveStatus s) => s switch
    {
        SolveStatus.Converged => "converged to a fixed point",
        SolveStatus.Cycle => "reached a periodic orbit",
        SolveStatus.Diverged => "diverged (beyond the divergence bound)",
        SolveStatus.MaxIterations => "no verdict within the iteration limit",
        SolveStatus.NonFinite => "a NaN or infinity appeared",
        SolveStatus.Stalled => "stalled (no step decreases the residual)",
        SolveStatus.Cancelled => "cancelled before a verdict",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };

    /// <summary>The JSON/CSV spelling: converged, cycle, diverged, maxIterations, nonFinite, stalled, cancelled.</summary>
    public static string Key(this SolveStatus s) => s switch
    {
        SolveStatus.Converged => "converged",
        SolveStatus.Cycle => "cycle",
        SolveStatus.Diverged => "diverged",
        SolveStatus.MaxIterations => "maxIterations",
        SolveStatus.NonFinite => "nonFinite",
        SolveStatus.Stalled => "stalled",
        SolveStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };
}

/// <summary>
/// The outcome of one start. <see cref="X"/> is the converged point, the best iterate (lowest
/// residual) when not converged, or the first point of the cycle; <see cref="Residual"/> is
/// ‖F(X) − X‖∞ at that point (NaN when unknown).
/// </summary>
public sealed record SolveResult(
    double[] X,
    SolveStatus Status,
    int Iterations,
    long Evaluations,
    double Residual,
    int Period = 0,
    double[][]? CyclePoints = null)
{
    public bool Converged => Status == SolveStatus.Converged;

    /// <summary>The target of <see cref="SolveOptions.Assignment"/> this start was assigned to (X is then the target's point); null when it iterated to the tolerance.</summary>
    public int? AssignedTo { get; init; }
}

/// <summary>
/// Results of a batch, one per start in start order (never null: a start cut off by cancellation has
/// status <see cref="SolveStatus.Cancelled"/>); <see cref="Cancelled"/> is true when some start was cut off.
/// </summary>
public sealed record BatchResult(SolveResult[] Results, bool Cancelled, long Evaluations);
