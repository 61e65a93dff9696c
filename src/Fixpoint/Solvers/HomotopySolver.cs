using Fixpoint.Maps;
using Fixpoint.Numerics;
using static Fixpoint.Numerics.DenseLinearAlgebra;

namespace Fixpoint.Solvers;

/// <summary>
/// A globally convergent fixed-point solver: the probability-one homotopy of Chow, Mallet-Paret and
/// Yorke (1978), ρ(x, λ) = x − λF(x) − (1 − λ)a with the start as anchor a, tracked from (a, 0) to λ = 1
/// by pseudo-arclength continuation, then Newton–Krylov on G(x) = F(x) − x. When F maps a box into
/// itself (a tanh or sigmoid network maps [−1, 1]ᴺ into itself), for almost every anchor in the box
/// the zero curve of ρ is a smooth arc without bifurcations that reaches a fixed point at λ = 1.
/// <para>Why: Newton on G with a line search on ½‖G‖₂² stalls at non-zero local minima of the merit when
/// the network's gain is large (heavy-tailed weights: at N = 1024 with Cauchy weights and 1/N scaling
/// ‖W‖₂ is in the hundreds, and dense and Krylov Newton alike stall from random starts with
/// ‖G‖∞ ≈ 2); natural continuation in λ stops at the first fold. Arclength goes round the folds.</para>
/// <para>Each driver iteration is one predictor–corrector step on y = (x, λ): the tangent t solves the
/// bordered system [I − λJ, a − F(x); τᵀ] t = e (τ the previous tangent), the predictor is y + h t,
/// and up to <see cref="MaxCorrections"/> Newton corrections solve [ρ; tᵀ(y − y_pred)] = 0 with the same
/// bordered matrix. Every linear solve is restarted GMRES on J·v products (<see cref="Gmres"/>), so a
/// step costs O(L·N²) per product and holds nothing N × N. A step whose corrector does not converge, or
/// moves farther than h, is retried with h halved; h grows by 1.5 after a success, up to
/// <see cref="MaxStepLength"/>. The step that crosses λ = 1 lands on the chord's point at λ = 1, and from
/// there Newton–Krylov steps (GMRES to <see cref="NewtonForcing"/>, Armijo backtracking) finish.
/// A step length below <see cref="MinStepLength"/> or a failed Newton line search ends the start as
/// <see cref="SolveStatus.Stalled"/> with its best iterate.</para>
/// </summary>
public sealed record HomotopySolver : ISolver, IIterationStep
{
    private readonly int _restart = 40;
    private readonly int _maxInner = 120;
    private readonly int _maxCorrections = 5;
    private readonly double _initialStep = 0.1;
    private readonly double _maxStep = 1.0;
    private readonly double _minStep = 1e-8;

    /// <summary>GMRES restart length, in 1 … 1000.</summary>
    public int Restart { get => _restart; init => _restart = value >= 1 && value <= 1000 ? value : throw new ArgumentOutOfRangeException(nameof(Restart), value, "must be in 1 … 1000"); }

    /// <summary>GMRES steps (J·v products) per linear solve at most, ≥ 1.</summary>
    public int MaxInnerIterations { get => _maxInner; init => _maxInner = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxInnerIterations), value, "must be ≥ 1"); }

    /// <summary>Newton corrections per continuation step at most, ≥ 1.</summary>
    public int MaxCorrections { get => _maxCorrections; init => _maxCorrections = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxCorrections), value, "must be ≥ 1"); }

    /// <summary>The first arclength step, &gt; 0.</summary>
    public double InitialStepLength { get => _initialStep; init => _initialStep = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(InitialStepLength), value, "must be > 0"); }

    /// <summary>The longest arclength step, &gt; 0.</summary>
    public double MaxStepLength { get => _maxStep; init => _maxStep = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(MaxStepLength), value, "must be > 0"); }

    /// <summary>Below this arclength step the path is lost and the start ends as stalled, &gt; 0.</summary>
    public double MinStepLength { get => _minStep; init => _minStep = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(MinStepLength), value, "must be > 0"); }

    private readonly int _maxProducts = int.MaxValue;

    /// <summary>
    /// J·v products one start may spend, ≥ 1 (default: no limit besides the step limit): past it the start ends as
    /// <see cref="SolveStatus.Stalled"/> with its best iterate. A path on a wide high-gain network can take hundreds of
    /// steps of hundreds of products each, so a census bounds them (<c>CensusNewton.HomotopyMaxProducts</c>).
    /// </summary>
    public int MaxProducts { get => _maxProducts; init => _maxProducts = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxProducts), value, "must be ≥ 1"); }

    /// <summary>Relative GMRES tolerance of the final Newton steps on G.</summary>
    public double NewtonForcing => 1e-3;

    // ‖ρ‖∞ at which a corrector point counts as on the path: loose, since only the end at λ = 1 must be exact.
    private const double PathTolerance = 1e-8;

    public string Name => "homotopy";

    public BatchResult SolveBatch(IMap map, double[] starts, int count, SolveOptions options, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
        => IterationDriver.Run(this, map, starts, count, options, progress, cancellationToken);

    // Each start keeps its anchor and tangent (2N + 1) besides the driver's three rows.
    int IIterationStep.NumbersPerStart(int dimension, SolveOptions options) => 5 * dimension + 4;

    bool IIterationStep.TestsLastIterate => true;

    ChunkStep IIterationStep.CreateChunk(IMap map, int rows, SolveOptions options) => new Chunk(this, map, rows);

    private sealed class Chunk : ChunkStep
    {
        private readonly HomotopySolver _s;
        private readonly IMap _map;
        private readonly int _n;
        private readonly Gmres _bordered, _plain;
        private readonly double[] _anchor, _tangent, _lambda, _h;
        private readonly bool[] _landed;
        private readonly long[] _products;
        private readonly double[] _px, _pf, _t, _y, _yp, _fy, _rhs, _d, _nd, _nb;
        private readonly JacobianWorkspace _workspace = new();
        private readonly ArmijoBacktracking _lineSearch;
        // The bordered operator's point: J at _px, λ = _pl, column a − F(x) in _pf, last row _prow.
        private double _pl;
        private double[] _prow = [];
        private int _row;

        public Chunk(HomotopySolver s, IMap map, int rows)
        {
            int n = map.Dimension;
            _s = s;
            _map = map;
            _n = n;
            _bordered = new Gmres(n + 1, s.Restart);
            _plain = new Gmres(n, s.Restart);
            _anchor = new double[rows * n];
            _tangent = new double[rows * (n + 1)];
            _lambda = new double[rows];
            _h = new double[rows];
            _landed = new bool[rows];
            _products = new long[rows];
            _px = new double[n];
            _pf = new double[n];
            _t = new double[n + 1];
            _y = new double[n + 1];
            _yp = new double[n + 1];
            _fy = new double[n];
            _rhs = new double[n + 1];
            _d = new double[n + 1];
            _nd = new double[n];
            _nb = new double[n];
            _lineSearch = new ArmijoBacktracking(map);
        }

        // (vx, vλ) ↦ ((I − λJ(x)) vx + (a − F(x)) vλ, rowᵀ v).
        private void Bordered(ReadOnlySpan<double> v, Span<double> av)
        {
            int n = _n;
            Span<double> top = av[..n];
            _products[_row]++;
            _map.JacobianVectors(_px, v[..n], top, 1, _workspace);
            ReadOnlySpan<double> a = _anchor.AsSpan(_row * n, n);
            double vl = v[n], last = 0;
            for (int i = 0; i < n; i++)
            {
                top[i] = v[i] - _pl * top[i] + (a[i] - _pf[i]) * vl;
                last = Math.FusedMultiplyAdd(_prow[i], v[i], last);
            }
            av[n] = Math.FusedMultiplyAdd(_prow[n], vl, last);
        }

        // v ↦ (J(x) − I) v.
        private void Plain(ReadOnlySpan<double> v, Span<double> av)
        {
            _products[_row]++;
            _map.JacobianVectors(_px, v, av, 1, _workspace);
            for (int i = 0; i < av.Length; i++) av[i] -= v[i];
        }

        public override StepOutcome Step(int row, int iteration, Span<double> x, Span<double> fx, ReadOnlySpan<double> g, double residual)
        {
            int n = _n;
            _row = row;
            Span<double> tau = _tangent.AsSpan(row * (n + 1), n + 1);
            if (iteration == 1)
            {
                // (a, 0) is on the path; the first tangent is oriented towards increasing λ.
                x.CopyTo(_anchor.AsSpan(row * n, n));
                tau.Clear();
                tau[n] = 1;
                _lambda[row] = 0;
                _h[row] = _s.InitialStepLength;
                _landed[row] = false;
                _products[row] = 0;
            }
            if (_products[row] >= _s.MaxProducts) return StepOutcome.Stop(SolveStatus.Stalled, 0);
            return _landed[row] ? NewtonStep(x, fx, g) : PathStep(row, x, fx, tau);
        }

        private StepOutcome NewtonStep(Span<double> x, Span<double> fx, ReadOnlySpan<double> g)
        {
            x.CopyTo(_px);
            for (int i = 0; i < _n; i++) _nb[i] = -g[i];
            Array.Clear(_nd);
            GmresResult r = _plain.Solve(Plain, _nb, _nd, _s.NewtonForcing, _s.MaxInnerIterations);
            if (r.Status == GmresStatus.NonFinite || !(r.Residual < r.InitialResidual) || !double.IsFinite(MaxAbs(_nd)))
                return StepOutcome.Stop(SolveStatus.Stalled, 0);
            return _lineSearch.Search(x, fx, g, _nd, 30, 1e-4);
        }

        private StepOutcome PathStep(int row, Span<double> x, Span<double> fx, Span<double> tau)
        {
            int n = _n;
            ReadOnlySpan<double> a = _anchor.AsSpan(row * n, n);
            double lambda = _lambda[row], h = _h[row];
            long evaluations = 0;
            // The tangent at (x, λ): [I − λJ, a − F(x); τᵀ] t = e_{N+1}, normalised, turned to follow τ.
            x.CopyTo(_px);
            fx.CopyTo(_pf);
            _pl = lambda;
            _prow = _tangent[(row * (n + 1))..((row + 1) * (n + 1))];
            Array.Clear(_rhs);
            _rhs[n] = 1;
            Array.Clear(_t);
            GmresResult tr = _bordered.Solve(Bordered, _rhs, _t, 1e-6, _s.MaxInnerIterations);
            double tn = Norm2(_t);
            if (tr.Status == GmresStatus.NonFinite || !(tn > 0) || !double.IsFinite(tn)) return StepOutcome.Stop(SolveStatus.Stalled, 0);
            double dot = 0;
            for (int i = 0; i <= n; i++) { _t[i] /= tn; dot += _t[i] * tau[i]; }
            if (dot < 0)
                for (int i = 0; i <= n; i++) _t[i] = -_t[i];

            while (h >= _s.MinStepLength)
            {
                for (int i = 0; i < n; i++) _yp[i] = x[i] + h * _t[i];
                _yp[n] = lambda + h * _t[n];
                _yp.CopyTo(_y, 0);
                bool on = false;
                for (int k = 0; k <= _s.MaxCorrections; k++)
                {
                    _map.Evaluate(_y.AsSpan(0, n), _fy);
                    evaluations++;
                    double l = _y[n], rho = 0;
                    for (int i = 0; i < n; i++)
                    {
                        _rhs[i] = -(_y[i] - l * _fy[i] - (1 - l) * a[i]);
                        rho = Math.Max(rho, Math.Abs(_rhs[i]));
                    }
                    if (!double.IsFinite(rho)) break;
                    if (rho <= PathTolerance) { on = true; break; }
                    if (k == _s.MaxCorrections) break;
                    double c = 0;
                    for (int i = 0; i <= n; i++) c += _t[i] * (_y[i] - _yp[i]);
                    _rhs[n] = -c;
                    _y.AsSpan(0, n).CopyTo(_px);
                    _fy.CopyTo(_pf, 0);
                    _pl = l;
                    _prow = _t;
                    Array.Clear(_d);
                    GmresResult cr = _bordered.Solve(Bordered, _rhs, _d, 1e-6, _s.MaxInnerIterations);
                    if (cr.Status == GmresStatus.NonFinite || !(cr.Residual < cr.InitialResidual)) break;
                    double move = 0;
                    for (int i = 0; i <= n; i++) { _y[i] += _d[i]; move = Math.Max(move, Math.Abs(_d[i])); }
                    if (!(move <= h)) break; // a correction longer than the step has jumped to another part of the curve
                }
                if (!on) { h *= 0.5; continue; }
                if (_y[n] >= 1)
                {
                    // Crossed λ = 1: the chord's point there, then Newton on G from it.
                    double w = (1 - lambda) / (_y[n] - lambda);
                    for (int i = 0; i < n; i++) x[i] += w * (_y[i] - x[i]);
                    _landed[row] = true;
                    _lambda[row] = 1;
                    return new StepOutcome(null, false, evaluations, null, 0, 0, null);
                }
                _y.AsSpan(0, n).CopyTo(x);
                _fy.CopyTo(fx);
                _lambda[row] = _y[n];
                _t.CopyTo(tau);
                _h[row] = Math.Min(1.5 * h, _s.MaxStepLength);
                return StepOutcome.MovedEvaluated(evaluations);
            }
            return StepOutcome.Stop(SolveStatus.Stalled, evaluations);
        }

        private static double Norm2(ReadOnlySpan<double> v)
        {
            double s = 0;
            foreach (double e in v) s = Math.FusedMultiplyAdd(e, e, s);
            return Math.Sqrt(s);
        }

        public override void Move(int from, int to)
        {
            int n = _n;
            Array.Copy(_anchor, from * n, _anchor, to * n, n);
            Array.Copy(_tangent, from * (n + 1), _tangent, to * (n + 1), n + 1);
            _lambda[to] = _lambda[from];
            _h[to] = _h[from];
            _landed[to] = _landed[from];
            _products[to] = _products[from];
        }
    }
}
