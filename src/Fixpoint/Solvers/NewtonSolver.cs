using Fixpoint.Maps;
using Fixpoint.Numerics;
using static Fixpoint.Numerics.DenseLinearAlgebra;

namespace Fixpoint.Solvers;

/// <summary>
/// Newton's method on G(x) = F(x) − x: solve (J(x) − I) d = −G(x), then backtrack t = 1, ½, ¼, …
/// until ½‖G(x + t d)‖₂² ≤ (1 − 2c t)·½‖G(x)‖₂² (Armijo, c = <see cref="ArmijoC"/>).
/// It converges to unstable fixed points (saddles, repellers) as readily as to stable ones.
/// When J − I is singular (LU finds no pivot) the direction is the minimum-norm least-squares
/// solution of (J − I) d ≈ −G(x) (<see cref="DenseLinearAlgebra.LeastSquaresInPlace"/>). When no
/// finite direction exists, or no trial point within <see cref="MaxBacktracks"/> halvings passes
/// the Armijo test, the start ends as <see cref="SolveStatus.Stalled"/> with its best iterate.
/// <para>Each step evaluates F at its trial points and hands F at the accepted one back to the
/// driver, so an iterate is evaluated once; the last iterate is evaluated and tested once more after
/// the step limit. Costs per step: one Jacobian (its scratch kept per chunk), one LU of N × N, and
/// one evaluation per trial point.</para>
/// </summary>
public sealed record NewtonSolver : ISolver, IIterationStep
{
    private readonly int _maxBacktracks = 30;
    private readonly double _armijoC = 1e-4;

    public int MaxBacktracks { get => _maxBacktracks; init => _maxBacktracks = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxBacktracks), value, "must be ≥ 0"); }
    public double ArmijoC { get => _armijoC; init => _armijoC = value > 0 && value < 0.5 ? value : throw new ArgumentOutOfRangeException(nameof(ArmijoC), value, "must be in (0, 0.5)"); }

    public string Name => "newton";

    public BatchResult SolveBatch(IMap map, double[] starts, int count, SolveOptions options, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
        => IterationDriver.Run(this, map, starts, count, options, progress, cancellationToken);

    // Not stated: Newton keeps no per-start state besides the driver's rows; its N × N scratch is per chunk.
    int IIterationStep.NumbersPerStart(int dimension, SolveOptions options) => 0;

    bool IIterationStep.TestsLastIterate => true;

    ChunkStep IIterationStep.CreateChunk(IMap map, int rows, SolveOptions options) => new Chunk(this, map);

    /// <summary>The step, with the scratch of one chunk (shared by its rows, which step one at a time).</summary>
    private sealed class Chunk(NewtonSolver s, IMap map) : ChunkStep
    {
        private readonly int _n = map.Dimension;
        private readonly double[] _d = new double[map.Dimension];
        private readonly double[] _jac = new double[map.Dimension * map.Dimension];
        private readonly double[] _a = new double[map.Dimension * map.Dimension];
        private readonly JacobianWorkspace _workspace = new();
        private readonly ArmijoBacktracking _lineSearch = new(map);

        public override StepOutcome Step(int row, int iteration, Span<double> x, Span<double> fx, ReadOnlySpan<double> g, double residual)
        {
            if (!Direction(x, g)) return StepOutcome.Stop(SolveStatus.Stalled, 0);
            return _lineSearch.Search(x, fx, g, _d, s.MaxBacktracks, s.ArmijoC);
        }

        // d solves (J − I) d = −g by LU; when J − I is singular, in the least-squares sense. False when d is not finite.
        private bool Direction(ReadOnlySpan<double> x, ReadOnlySpan<double> g)
        {
            int n = _n;
            double[] jac = _jac, a = _a, d = _d;
            map.Jacobian(x, jac, _workspace);
            for (int i = 0; i < n * n; i++) a[i] = jac[i];
            for (int i = 0; i < n; i++) a[i * n + i] -= 1.0;
            for (int j = 0; j < n; j++) d[j] = -g[j];
            if (SolveInPlace(a, d, n)) return double.IsFinite(MaxAbs(d));
            // LU overwrote a and d: rebuild them from J and g.
            for (int i = 0; i < n * n; i++) a[i] = jac[i];
            for (int i = 0; i < n; i++) a[i * n + i] -= 1.0;
            for (int j = 0; j < n; j++) d[j] = -g[j];
            return LeastSquaresInPlace(a, d, n);
        }

        public override void Move(int from, int to) { } // no per-row state
    }
}
