using Fixpoint.Solvers;

namespace Fixpoint.Census;

/// <summary>Which Newton the census's unstable pass and polishing run.</summary>
public enum NewtonMethod
{
    /// <summary>Dense below <see cref="CensusNewton.KrylovThreshold"/>, Krylov from it on.</summary>
    Auto,

    /// <summary><see cref="NewtonSolver"/>: the exact Jacobian and an LU per step, O(L·N³).</summary>
    Dense,

    /// <summary><see cref="NewtonKrylovSolver"/>: GMRES on J·v products, O(L·N²) per inner step, nothing N × N held.</summary>
    Krylov,
}

/// <summary>The census's choice of Newton solver.</summary>
public static class CensusNewton
{
    /// <summary>
    /// The dimension from which <see cref="NewtonMethod.Auto"/> takes Newton–Krylov: measured by
    /// bench/newton-threshold.sh (docs/performance.md, "Dense or Krylov Newton"); below it the dense
    /// LU step is as fast or faster, and the committed result tables (N ≤ 50) keep it.
    /// </summary>
    public const int KrylovThreshold = 512;

    /// <summary>"auto, dense, krylov".</summary>
    public const string NameList = "auto, dense, krylov";

    /// <summary>The method named <paramref name="name"/> (auto, dense or krylov; case and surrounding spaces ignored), or null.</summary>
    public static NewtonMethod? Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "auto" => NewtonMethod.Auto,
        "dense" => NewtonMethod.Dense,
        "krylov" => NewtonMethod.Krylov,
        _ => null,
    };

    /// <summary>The solver <paramref name="method"/> means at dimension <paramref name="dimension"/>.</summary>
    public static ISolver For(NewtonMethod method, int dimension) => method switch
    {
        NewtonMethod.Dense => new NewtonSolver(),
        NewtonMethod.Krylov => new NewtonKrylovSolver(),
        _ => dimension >= KrylovThreshold ? new NewtonKrylovSolver() : new NewtonSolver(),
    };

    /// <summary>Continuation steps the homotopy takes per start at most (its paths are longer than a Newton run).</summary>
    public const int HomotopyMaxIterations = 1000;

    /// <summary>
    /// J·v products a homotopy path of the unstable pass may spend (<see cref="HomotopySolver.MaxProducts"/>): without a
    /// bound, paths on the Cauchy network of bench/unstable-1024.sh (N = 1024) ran for over ten minutes each.
    /// </summary>
    public const int HomotopyMaxProducts = 20_000;

    /// <summary>Homotopy paths the unstable pass tracks where Newton–Krylov is its solver, from the first starts in start order.</summary>
    public const int HomotopyTracks = 8;
}
