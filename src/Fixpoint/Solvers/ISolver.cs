using Fixpoint.Maps;

namespace Fixpoint.Solvers;

/// <summary>A fixed-point solver: small, immutable, validated at construction.</summary>
public interface ISolver
{
    /// <summary>The registry name: picard, anderson, newton or newton-krylov.</summary>
    string Name { get; }

    /// <summary>Solves from <paramref name="starts"/> (count × N, row-major). Each start keeps its own status, count and best iterate; one start never affects another, and results do not depend on the thread count.</summary>
    BatchResult SolveBatch(IMap map, double[] starts, int count, SolveOptions options, IProgress<int>? progress = null, CancellationToken cancellationToken = default);
}

public static class SolverExtensions
{
    /// <summary>Solves from one start (status <see cref="SolveStatus.Cancelled"/> when cut off by <paramref name="cancellationToken"/>).</summary>
    public static SolveResult Solve(this ISolver solver, IMap map, ReadOnlySpan<double> x0, SolveOptions options, CancellationToken cancellationToken = default)
        => solver.SolveBatch(map, x0.ToArray(), 1, options with { Threads = 1 }, null, cancellationToken).Results[0];
}
