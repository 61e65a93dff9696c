using Fixpoint.Maps;
using Fixpoint.Numerics;
using static Fixpoint.Numerics.DenseLinearAlgebra;

namespace Fixpoint.Solvers;

/// <summary>
/// Inexact Newton on G(x) = F(x) − x without forming the Jacobian: the direction d solves
/// (J(x) − I) d = −G(x) by restarted GMRES (<see cref="Gmres"/>, restart <see cref="Restart"/>, at most
/// <see cref="MaxInnerIterations"/> Arnoldi steps) on products J·v from <see cref="IMap.JacobianVector(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, JacobianWorkspace)"/>,
/// to the relative residual η_k: ‖(J − I) d + G‖₂ ≤ η_k ‖G‖₂. The forcing term η_k is Eisenstat and
/// Walker's choice 2 (1996), η_k = 0.9 (‖G_k‖₂ / ‖G_{k−1}‖₂)², kept from dropping faster than 0.9 η_{k−1}²
/// while that is above 0.1, never above <see cref="Forcing"/> (η_0 = Forcing), and never below
/// ½ τ / ‖G_k‖₂ with τ the termination tolerance (no oversolving in the last step). Then the same
/// backtracking line search as <see cref="NewtonSolver"/>.
/// <para>Each inner step costs one J·v product, O(L·N²) for an L-layer network, plus O(m·N) for the
/// orthogonalisation; nothing N × N is held. A direction that does not lower the linear residual
/// (J − I singular along G, or a non-finite product) and a failed line search end the start as
/// <see cref="SolveStatus.Stalled"/> with its best iterate. With m ≥ N and a small Forcing it takes the
/// same steps as <see cref="NewtonSolver"/> up to rounding.</para>
/// </summary>
public sealed record NewtonKrylovSolver : ISolver, IIterationStep
{
    public const int DefaultRestart = 30;
    public const int DefaultMaxInnerIterations = 50;
    public const double DefaultForcing = 0.1;

    private readonly int _restart = DefaultRestart;
    private readonly int _maxInner = DefaultMaxInnerIterations;
    private readonly double _forcing = DefaultForcing;
    private readonly int _maxBacktracks = 30;
    private readonly double _armijoC = 1e-4;

    /// <summary>GMRES restart length m (Krylov vectors kept), in 1 … 1000; N when N is smaller.</summary>
    public int Restart { get => _restart; init => _restart = value >= 1 && value <= 1000 ? value : throw new ArgumentOutOfRangeException(nameof(Restart), value, "must be in 1 … 1000"); }

    /// <summary>Arnoldi steps (J·v products) per Newton step at most, ≥ 1.</summary>
    public int MaxInnerIterations { get => _maxInner; init => _maxInner = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxInnerIterations), value, "must be ≥ 1"); }

    /// <summary>The largest forcing term η (the first step's), in (0, 1).</summary>
    public double Forcing { get => _forcing; init => _forcing = value > 0 && value < 1 ? value : throw new ArgumentOutOfRangeException(nameof(Forcing), value, "must be in (0, 1)"); }

    public int MaxBacktracks { get => _maxBacktracks; init => _maxBacktracks = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxBacktracks), value, "must be ≥ 0"); }
    public double ArmijoC { get => _armijoC; init => _armijoC = value > 0 && value < 0.5 ? value : throw new ArgumentOutOfRangeException(nameof(ArmijoC), value, "must be in (0, 0.5)"); }

    public string Name => "newton-krylov";

    public BatchResult SolveBatch(IMap map, double[] starts, int count, SolveOptions options, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
        => IterationDriver.Run(this, map, starts, count, options, progress, cancellationToken);

    // Not stated: besides the driver's rows a start keeps two numbers (the last ‖G‖₂ and η); the Krylov basis is per chunk.
    int IIterationStep.NumbersPerStart(int dimension, SolveOptions options) => 0;

    bool IIterationStep.TestsLastIterate => true;

    ChunkStep IIterationStep.CreateChunk(IMap map, int rows, SolveOptions options) => new Chunk(this, map, rows, options);

    /// <summary>The step, with the scratch of one chunk (its rows step one at a time) and each row's forcing history.</summary>
    private sealed class Chunk : ChunkStep
    {
        private readonly NewtonKrylovSolver _s;
        private readonly IMap _map;
        private readonly SolveOptions _options;
        private readonly Gmres _gmres;
        private readonly LinearOperator _operator;
        private readonly double[] _x, _b, _d;
        private readonly double[] _lastNorm, _lastEta;
        private readonly JacobianWorkspace _workspace = new();
        private readonly ArmijoBacktracking _lineSearch;

        public Chunk(NewtonKrylovSolver s, IMap map, int rows, SolveOptions options)
        {
            int n = map.Dimension;
            _s = s;
            _map = map;
            _options = options;
            _gmres = new Gmres(n, s.Restart);
            _x = new double[n];
            _b = new double[n];
            _d = new double[n];
            _lastNorm = new double[rows];
            _lastEta = new double[rows];
            _lineSearch = new ArmijoBacktracking(map);
            _operator = Apply;
        }

        // v ↦ (J(x) − I) v at the current iterate.
        private void Apply(ReadOnlySpan<double> v, Span<double> av)
        {
            // One tangent row through the batched kernel (IMap.JacobianVectors): SIMD, unlike the scalar JacobianVector.
            _map.JacobianVectors(_x, v, av, 1, _workspace);
            for (int i = 0; i < av.Length; i++) av[i] -= v[i];
        }

        public override StepOutcome Step(int row, int iteration, Span<double> x, Span<double> fx, ReadOnlySpan<double> g, double residual)
        {
            double norm = Math.Sqrt(ArmijoBacktracking.Dot(g, g));
            double eta = Eta(row, iteration, norm, x);
            _lastNorm[row] = norm;
            _lastEta[row] = eta;
            x.CopyTo(_x);
            for (int i = 0; i < g.Length; i++) _b[i] = -g[i];
            Array.Clear(_d);
            GmresResult r = _gmres.Solve(_operator, _b, _d, eta, _s.MaxInnerIterations);
            // Only a direction that lowers the linear residual is a descent direction of ½‖G‖₂².
            if (r.Status == GmresStatus.NonFinite || !(r.Residual < r.InitialResidual) || !double.IsFinite(MaxAbs(_d)))
                return StepOutcome.Stop(SolveStatus.Stalled, 0);
            return _lineSearch.Search(x, fx, g, _d, _s.MaxBacktracks, _s.ArmijoC);
        }

        private double Eta(int row, int iteration, double norm, ReadOnlySpan<double> x)
        {
            double max = _s.Forcing;
            double eta = max;
            if (iteration > 1 && _lastNorm[row] > 0)
            {
                double ratio = norm / _lastNorm[row];
                eta = 0.9 * ratio * ratio;
                double floor = 0.9 * _lastEta[row] * _lastEta[row];
                if (floor > 0.1) eta = Math.Max(eta, floor);
            }
            double tol = _options.Tolerance(_options.Rtol != 0 ? MaxAbs(x) : 0.0);
            if (norm > 0) eta = Math.Max(eta, 0.5 * tol / norm);
            return Math.Min(eta, max);
        }

        public override void Move(int from, int to)
        {
            _lastNorm[to] = _lastNorm[from];
            _lastEta[to] = _lastEta[from];
        }
    }
}
