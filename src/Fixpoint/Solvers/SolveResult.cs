namespace Fixpoint.Solvers;

/// <summary>How one start ended.</summary>
public enum SolveStatus
{
    /// <summary>‖F(x) − x‖∞ ≤ Atol + Rtol·‖x‖∞ at the returned point.</summary>
    Converged,
    /// <summary>The orbit closed on itself: F^k(x) ≈ x for a period 2 ≤ k ≤ MaxPeriod (same test as convergence, for F^k).</summary>
    Cycle,
    /// <summary>An iterate became non-finite or left the divergence bound.</summary>
    Diverged,
    /// <summary>No verdict within the iteration limit (or the line search stalled); the best iterate is returned.</summary>
    MaxIterations,
}

public static class SolveStatusText
{
    public static string Message(this SolveStatus s) => s switch
    {
        SolveStatus.Converged => "converged to a fixed point",
        SolveStatus.Cycle => "reached a periodic orbit",
        SolveStatus.Diverged => "diverged (non-finite or beyond the divergence bound)",
        SolveStatus.MaxIterations => "no verdict within the iteration limit",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };

    /// <summary>The JSON/CSV spelling: converged, cycle, diverged, maxIterations.</summary>
    public static string Key(this SolveStatus s) => s switch
    {
        SolveStatus.Converged => "converged",
        SolveStatus.Cycle => "cycle",
        SolveStatus.Diverged => "diverged",
        SolveStatus.MaxIterations => "maxIterations",
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
}

/// <summary>Results of a batch, one per start in start order; an entry is null when the batch was cancelled before that start finished.</summary>
public sealed record BatchResult(SolveResult?[] Results, bool Cancelled, long Evaluations);
