using System.Numerics;
using Fixpoint.Census;
using Fixpoint.Maps;
using Fixpoint.Numerics;

namespace Fixpoint.Continuation;

/// <summary>
/// Pseudo-arclength continuation of the fixed points of a family F(x; p) (Keller 1977; the conventions of
/// Kuznetsov, Elements of Applied Bifurcation Theory, ch. 10): branches of G(x, p) = F(x; p) − x = 0 in
/// y = (x, p) ∈ R^{N+1}, an Euler predictor along the unit tangent, a Newton corrector on the augmented system
/// [G; tᵀ(y − y_pred)] = 0, and test functions between consecutive points for folds, flips, Neimark–Sacker
/// and branch points, each located by a safeguarded secant (Illinois) in arclength. docs/continuation.md.
/// </summary>
public static class PseudoArclength
{
    /// <summary>
    /// Follows the branch through every start (a fixed point, or near one, at p = <see cref="ContinuationOptions.From"/>)
    /// in both directions, then the second branch through every branch point located. Sequential, so the result
    /// depends only on the inputs. Cancellation returns what was traced, <see cref="ContinuationStatus.Partial"/>.
    /// </summary>
    public static ContinuationResult Run(IParameterFamily family, IReadOnlyList<double[]> starts, ContinuationOptions options,
        IProgress<Progress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(family);
        ArgumentNullException.ThrowIfNull(starts);
        ArgumentNullException.ThrowIfNull(options);
        foreach (double[] s in starts)
            if (s.Length != family.Dimension) throw new ArgumentException($"a start has {s.Length} coordinates; the family has dimension {family.Dimension}", nameof(starts));
        return new Tracer(family, options, progress, cancellationToken).Run(starts);
    }
}

/// <summary>One continuation run: its scratch, the branches traced so far and the branch points still to switch at.</summary>
internal sealed class Tracer
{
    /// <summary>An eigenvalue with |Im λ| at most this (relative) counts as real.</summary>
    internal const double RealTolerance = 1e-9;

    private readonly IParameterFamily _family;
    private readonly ContinuationOptions _o;
    private readonly IProgress<Progress>? _progress;
    private readonly CancellationToken _ct;
    private readonly int _n;
    private readonly bool _krylov, _krylovEigen;
    private readonly JacobianWorkspace _ws = new();
    private readonly Gmres? _gmres;
    private readonly List<Branch> _branches = [];
    private readonly List<BifurcationDraft> _bifurcations = [];
    private readonly Queue<(int Bifurcation, Node At, double[] Tangent)> _switches = new();
    private int _steps;

    public Tracer(IParameterFamily family, ContinuationOptions o, IProgress<Progress>? progress, CancellationToken ct)
    {
        (_family, _o, _progress, _ct, _n) = (family, o, progress, ct, family.Dimension);
        _krylov = o.Newton == NewtonMethod.Krylov || (o.Newton == NewtonMethod.Auto && _n >= CensusNewton.KrylovThreshold);
        _krylovEigen = FixedPointStability.Resolve(o.Eigen, _n) == EigenMethod.Krylov;
        if (_krylov) _gmres = new Gmres(_n + 1, Math.Min(_n + 1, 60));
    }

    public string NewtonName => _krylov ? "krylov" : "dense";
    public string EigenName => _krylovEigen ? "krylov" : "dense";

    /// <summary>A point of a branch with what the test functions need: y = (x, p), the unit tangent, the eigenvalues of J and the sign of the augmented determinant.</summary>
    internal sealed record Node(double[] Y, double[] T, Complex[] Eigenvalues, int AugmentedSign)
    {
        public double P => Y[^1];
    }

    private sealed class BifurcationDraft(Bifurcation b)
    {
        public Bifurcation Value = b;
        public readonly List<int> NewBranches = [];
    }

    public ContinuationResult Run(IReadOnlyList<double[]> starts)
    {
        for (int k = 0; k < starts.Count && !_ct.IsCancellationRequested; k++)
        {
            if (_branches.Count >= _o.MaxBranches) break;
            double[] y0 = [.. starts[k], _o.From];
            double[] ep = Unit(_n);
            if (!Correct(y0, ep, _o.From, double.PositiveInfinity, out double[] y, out _)) continue;
            if (OnTracedBranch(y)) continue;
            Node start = MakeNode(y, ep);
            TraceBranch($"start {k}", start, start.T);
        }
        while (_switches.Count > 0 && !_ct.IsCancellationRequested && _branches.Count < _o.MaxBranches)
        {
            var (b, at, tangent) = _switches.Dequeue();
            int id = SwitchBranch(b, at, tangent);
            if (id >= 0) _bifurcations[b].NewBranches.Add(id);
        }
        var bifurcations = _bifurcations.Select(d => d.Value with { NewBranches = [.. d.NewBranches] }).ToList();
        return new ContinuationResult(_family.Name, _o.From, _o.To, [.. _branches], bifurcations,
            _ct.IsCancellationRequested ? ContinuationStatus.Partial : ContinuationStatus.Complete, NewtonName, EigenName);
    }

    /// <summary>Both directions from <paramref name="start"/>, joined into one branch (the backward half reversed).</summary>
    private int TraceBranch(string origin, Node start, double[] direction)
    {
        int id = _branches.Count;
        _branches.Add(new Branch(id, origin, [Point(start)], BranchEnd.Cancelled, BranchEnd.Cancelled));
        var forward = Half(id, start, direction, out BranchEnd fEnd);
        var backward = new List<Node>();
        BranchEnd bEnd = BranchEnd.Closed;
        if (fEnd != BranchEnd.Closed) backward = Half(id, start, Negate(direction), out bEnd);
        var nodes = Enumerable.Reverse(backward).SkipLast(1).Concat(forward);
        _branches[id] = new Branch(id, origin, [.. nodes.Select(Point)], bEnd, fEnd);
        return id;
    }

    /// <summary>The second branch through a branch point: the null vector of the augmented Jacobian orthogonal to the traced tangent, followed both ways.</summary>
    private int SwitchBranch(int bifurcation, Node at, double[] tangent)
    {
        if (_krylov) return -1;
        IMap map = _family.At(at.P);
        var a = Augmented(map, at.Y, tangent);
        int m = _n + 1;
        var piv = new int[m];
        Lu(a, m, piv);
        // Inverse iteration on the (nearly) singular augmented matrix: its null vector is the other branch's direction.
        var v = new double[m];
        for (int i = 0; i < m; i++) v[i] = Math.Sin(1.0 + 0.7 * i);
        for (int it = 0; it < 3; it++)
        {
            LuSolve(a, m, piv, v);
            Normalize(v);
        }
        double dot = Dot(v, tangent);
        for (int i = 0; i < m; i++) v[i] -= dot * tangent[i];
        if (!(Normalize(v) > 0)) return -1;
        double eps = Math.Min(_o.Step, 0.5 * _o.MaxStep);
        var seeds = new List<Node>();
        foreach (double sign in new[] { 1.0, -1.0 })
        {
            double[] guess = [.. at.Y.Select((yi, i) => yi + sign * eps * v[i])];
            double[] dir = [.. v.Select(vi => sign * vi)];
            if (!Correct(guess, dir, Dot(dir, at.Y) + eps, 4 * eps, out double[] ys, out _)) { seeds.Add(null!); continue; }
            if (ys[^1] < _o.Lower || ys[^1] > _o.Upper) { seeds.Add(null!); continue; }
            seeds.Add(MakeNode(ys, dir));
        }
        if (seeds.All(s => s is null)) return -1;
        int id = _branches.Count;
        string origin = $"branch point {bifurcation}";
        _branches.Add(new Branch(id, origin, [Point(at)], BranchEnd.Cancelled, BranchEnd.Cancelled));
        BranchEnd fe = BranchEnd.Diverged, be = BranchEnd.Diverged;
        List<Node> plus = seeds[0] is null ? [] : Half(id, seeds[0], seeds[0].T, out fe, skipFirstDetection: true);
        List<Node> minus = seeds[1] is null ? [] : Half(id, seeds[1], seeds[1].T, out be, skipFirstDetection: true);
        var nodes = Enumerable.Reverse(minus).Append(at).Concat(plus);
        _branches[id] = new Branch(id, origin, [.. nodes.Select(Point)], be, fe);
        return id;
    }


    /// <summary>One direction of a branch from <paramref name="start"/> (its first node) until it leaves the range, closes, diverges or runs out of steps.</summary>
    private List<Node> Half(int branch, Node start, double[] direction, out BranchEnd end, bool skipFirstDetection = false)
    {
        var nodes = new List<Node> { start };
        // Reversing the tangent reverses the last row of the augmented matrix, and so its determinant's sign.
        Node a = start with { T = direction, AugmentedSign = Dot(direction, start.T) < 0 ? -start.AugmentedSign : start.AugmentedSign };
        double h = _o.Step;
        end = BranchEnd.MaxSteps;
        for (int step = 0; step < _o.MaxSteps; step++)
        {
            if (_ct.IsCancellationRequested) { end = BranchEnd.Cancelled; break; }
            Node? b = null;
            bool boundary = false;
            int iterations = 0;
            while (b is null)
            {
                double[] pred = [.. a.Y.Select((yi, i) => yi + h * a.T[i])];
                if (Correct(pred, a.T, Dot(a.T, pred), 0.5 * h + 1e-9, out double[] y, out iterations, MaxMoveX(a, h)))
                {
                    Node c = MakeNode(y, a.T);
                    // A sharp turn means the corrector may have jumped to another branch: take a shorter step.
                    if (Dot(c.T, a.T) >= 0.9 || h <= _o.MinStep) { b = c; break; }
                }
                h *= 0.5;
                if (h < _o.MinStep) break;
            }
            if (b is null) { end = BranchEnd.Diverged; break; }
            if (DenseLinearAlgebra.MaxAbs(b.Y.AsSpan(0, _n)) > _o.DivergenceBound) { end = BranchEnd.Diverged; break; }
            if (b.P < _o.Lower || b.P > _o.Upper)
            {
                double bound = b.P < _o.Lower ? _o.Lower : _o.Upper;
                if (Math.Abs(a.P - bound) <= 1e-12 * (1 + Math.Abs(bound))) { end = BranchEnd.LeftRange; break; }
                double frac = (bound - a.P) / (b.P - a.P);
                double[] guess = [.. a.Y.Select((yi, i) => yi + frac * (b.Y[i] - yi))];
                if (!Correct(guess, Unit(_n), bound, 0.5 * Distance(a.Y, b.Y) + 1e-9, out double[] yb, out _, MaxMoveX(a, h))) { end = BranchEnd.LeftRange; break; }
                b = MakeNode(yb, a.T);
                boundary = true;
            }
            // Located bifurcations become points of the branch, in arclength order, so a stability change falls on one.
            if (!(skipFirstDetection && step == 0)) nodes.AddRange(Detect(branch, a, b).OrderBy(q => Dot(a.T, q.Y)));
            nodes.Add(b);
            _steps++;
            _progress?.Report(new Progress("continuation", _steps, _steps + _o.MaxSteps - step));
            if (boundary) { end = BranchEnd.LeftRange; break; }
            if (step > 4 && PassesBy(a.Y, b.Y, start.Y)) { nodes.Add(start); end = BranchEnd.Closed; break; }
            if (iterations <= 4) h = Math.Min(1.5 * h, _o.MaxStep);
            else if (iterations >= 8) h *= 0.7;
            a = b;
        }
        return nodes;
    }

    /// <summary>
    /// How far the corrector may move x from the prediction: the parameter and x have their own scales (paper A's m runs
    /// to 100 while x stays O(1)), so a step long in p may land on another branch at the same p; the x-move is held to a
    /// little more than the step's own x-part.
    /// </summary>
    private double MaxMoveX(Node a, double h)
    {
        double tx = DenseLinearAlgebra.MaxAbs(a.T.AsSpan(0, _n));
        return 0.02 * (1 + DenseLinearAlgebra.MaxAbs(a.Y.AsSpan(0, _n))) + 0.5 * h * tx;
    }

    /// <summary>Whether the step a → b passes the branch's first point: it has closed (an isola, or a loop through a branch point).</summary>
    private bool PassesBy(double[] a, double[] b, double[] start)
    {
        double ab = 0, along = 0;
        for (int i = 0; i < a.Length; i++)
        {
            ab += (b[i] - a[i]) * (b[i] - a[i]);
            along += (start[i] - a[i]) * (b[i] - a[i]);
        }
        double tau = ab > 0 ? Math.Clamp(along / ab, 0, 1) : 0;
        double far = 0;
        for (int i = 0; i < a.Length; i++) far = Math.Max(far, Math.Abs(a[i] + tau * (b[i] - a[i]) - start[i]));
        return far <= Math.Min(0.1 * Math.Sqrt(ab), 0.02 * (1 + DenseLinearAlgebra.MaxAbs(start.AsSpan(0, _n))));
    }

    private bool OnTracedBranch(double[] y)
    {
        foreach (Branch br in _branches)
            foreach (BranchPoint q in br.Points)
                if (Math.Abs(q.Parameter - y[^1]) <= 1e-9 * (1 + Math.Abs(y[^1])) && DenseLinearAlgebra.MaxAbsDiff(q.X, y.AsSpan(0, _n)) <= 1e-6) return true;
        return false;
    }

    // ---- test functions ----

    private static int RealAbove(Complex[] ev, double r) => ev.Count(e => IsReal(e) && e.Real > r);
    private static int RealBelow(Complex[] ev, double r) => ev.Count(e => IsReal(e) && e.Real < r);
    private static int ComplexOutside(Complex[] ev) => ev.Count(e => !IsReal(e) && e.Magnitude > 1);
    internal static bool IsReal(Complex e) => Math.Abs(e.Imaginary) <= RealTolerance * Math.Max(1, e.Magnitude);

    /// <summary>The smooth test function of a bifurcation type at a node; its sign change brackets the bifurcation.</summary>
    private static double Phi(BifurcationType type, Node q) => type switch
    {
        BifurcationType.Fold => q.T[^1],
        BifurcationType.BranchPoint => Nearest(q.Eigenvalues, e => IsReal(e), e => e.Real - 1),
        BifurcationType.Flip => Nearest(q.Eigenvalues, e => IsReal(e), e => e.Real + 1),
        _ => Nearest(q.Eigenvalues, e => !IsReal(e), e => e.Magnitude - 1),
    };

    private static double Nearest(Complex[] ev, Func<Complex, bool> which, Func<Complex, double> f)
    {
        double best = double.NaN;
        foreach (Complex e in ev)
            if (which(e) && (double.IsNaN(best) || Math.Abs(f(e)) < Math.Abs(best))) best = f(e);
        return best;
    }

    /// <summary>The integer indicator whose change between two nodes says a bifurcation of this type lies between them.</summary>
    private double Indicator(BifurcationType type, Node q) => type switch
    {
        BifurcationType.Fold => Math.Sign(q.T[^1]),
        BifurcationType.BranchPoint => _krylov ? RealAbove(q.Eigenvalues, 1) : q.AugmentedSign,
        BifurcationType.Flip => RealBelow(q.Eigenvalues, -1),
        _ => ComplexOutside(q.Eigenvalues),
    };

    private List<Node> Detect(int branch, Node a, Node b)
    {
        var located = new List<Node>();
        bool fold = Indicator(BifurcationType.Fold, a) != Indicator(BifurcationType.Fold, b);
        foreach (BifurcationType type in new[] { BifurcationType.Fold, BifurcationType.BranchPoint, BifurcationType.Flip, BifurcationType.NeimarkSacker })
        {
            if (Indicator(type, a) == Indicator(type, b)) continue;
            if (type == BifurcationType.BranchPoint && fold) continue;
            Node at = Locate(type, a, b, out bool ok);
            Complex[] critical = Critical(type, at.Eigenvalues);
            if (type == BifurcationType.NeimarkSacker && (critical.Length == 0 || Math.Abs(critical[0].Magnitude - 1) > 1e-4)) continue;
            double[] x = at.Y[.._n];
            if (_bifurcations.Any(d => d.Value.Type == type && Math.Abs(d.Value.Parameter - at.P) <= 1e-7 && DenseLinearAlgebra.MaxAbsDiff(d.Value.X, x) <= 1e-5)) continue;
            double? angle = type == BifurcationType.NeimarkSacker ? Math.Abs(critical[0].Phase) : null;
            _bifurcations.Add(new BifurcationDraft(new Bifurcation(type, at.P, x, critical, branch, [], angle, ok)));
            if (type == BifurcationType.BranchPoint && _o.BranchSwitching) _switches.Enqueue((_bifurcations.Count - 1, at, at.T));
            if (ok && Dot(a.T, at.Y) > Dot(a.T, a.Y) && Dot(a.T, at.Y) < Dot(a.T, b.Y)) located.Add(at);
        }
        return located;
    }

    private static Complex[] Critical(BifurcationType type, Complex[] ev)
    {
        if (ev.Length == 0) return [];
        Complex best = type switch
        {
            BifurcationType.Flip => ev.Where(IsReal).DefaultIfEmpty(ev[0]).MinBy(e => Math.Abs(e.Real + 1)),
            BifurcationType.NeimarkSacker => ev.Where(e => !IsReal(e)).DefaultIfEmpty(ev[0]).MinBy(e => Math.Abs(e.Magnitude - 1)),
            _ => ev.Where(IsReal).DefaultIfEmpty(ev[0]).MinBy(e => Math.Abs(e.Real - 1)),
        };
        return IsReal(best) ? [best] : [new Complex(best.Real, Math.Abs(best.Imaginary)), new Complex(best.Real, -Math.Abs(best.Imaginary))];
    }

    /// <summary>
    /// The bifurcation between <paramref name="a"/> and <paramref name="b"/>: the point y(s) of the branch with
    /// t_aᵀ(y − y_a) = s, s found by Illinois regula falsi on the smooth test function (bisection on the indicator
    /// when that function does not bracket), until the bracket in s is below the locate tolerance.
    /// </summary>
    internal Node Locate(BifurcationType type, Node a, Node b, out bool located)
    {
        double[] t = a.T;
        double sLo = 0, sHi = Dot(t, b.Y) - Dot(t, a.Y);
        Node lo = a, hi = b;
        double fLo = Phi(type, a), fHi = Phi(type, b);
        bool smooth = double.IsFinite(fLo) && double.IsFinite(fHi) && fLo * fHi < 0;
        double iLo = Indicator(type, a);
        Node best = Math.Abs(fLo) < Math.Abs(fHi) ? a : b;
        int side = 0;
        located = false;
        for (int it = 0; it < 200; it++)
        {
            if (Math.Abs(sHi - sLo) <= _o.LocateTolerance) { located = true; break; }
            double s = smooth ? sHi - fHi * (sHi - sLo) / (fHi - fLo) : 0.5 * (sLo + sHi);
            double width = sHi - sLo, delta = 0.01 * Math.Abs(width);
            // Keep the secant inside the bracket; near its ends it would shrink the bracket by a hair only.
            if (!(s > Math.Min(sLo, sHi) + delta && s < Math.Max(sLo, sHi) - delta)) s = 0.5 * (sLo + sHi);
            double frac = (s - sLo) / (sHi - sLo);
            double[] guess = [.. lo.Y.Select((yi, i) => yi + frac * (hi.Y[i] - yi))];
            if (!Correct(guess, t, Dot(t, a.Y) + s, Math.Abs(width) + 1e-9, out double[] y, out _)) break;
            Node q = MakeNode(y, t);
            double f = Phi(type, q);
            bool atLo = smooth ? f * fLo > 0 : Indicator(type, q) == iLo;
            if (smooth && Math.Abs(f) <= 1e-14) { best = q; located = true; break; }
            if (atLo)
            {
                (sLo, lo, fLo) = (s, q, f);
                if (side == -1) fHi *= 0.5;
                side = -1;
            }
            else
            {
                (sHi, hi, fHi) = (s, q, f);
                if (side == 1) fLo *= 0.5;
                side = 1;
            }
            best = q;
        }
        return best;
    }

    // ---- corrector, tangent, node ----

    /// <summary>
    /// Newton on [G(x, p); cᵀy − target] = 0 from <paramref name="y0"/>; fails when it does not converge, or moves
    /// farther than <paramref name="maxMove"/> (it would be landing on another branch).
    /// </summary>
    internal bool Correct(double[] y0, double[] c, double target, double maxMove, out double[] y, out int iterations, double maxMoveX = double.PositiveInfinity)
    {
        y = [.. y0];
        int m = _n + 1;
        var g = new double[_n];
        var rhs = new double[m];
        iterations = 0;
        for (int it = 0; it < 25; it++)
        {
            IMap? map = At(y[^1]);
            if (map is null) return false;
            Residual(map, y, g);
            double r = DenseLinearAlgebra.MaxAbs(g);
            if (!double.IsFinite(r)) return false;
            for (int i = 0; i < _n; i++) rhs[i] = -g[i];
            rhs[_n] = target - Dot(c, y);
            if (r <= 1e-3 * _o.Tolerance && Math.Abs(rhs[_n]) <= 1e-14 * (1 + Math.Abs(target))) return true;
            double[]? d = Solve(map, y, c, rhs);
            if (d is null) return false;
            double step = DenseLinearAlgebra.MaxAbs(d);
            for (int i = 0; i < m; i++) y[i] += d[i];
            iterations++;
            if (!(Distance(y, y0) <= maxMove) || !(DenseLinearAlgebra.MaxAbsDiff(y.AsSpan(0, _n), y0.AsSpan(0, _n)) <= maxMoveX)) return false;
            if (step <= 1e-14 * (1 + DenseLinearAlgebra.MaxAbs(y))) return Converged(y, g);
        }
        return Converged(y, g);
    }

    private bool Converged(double[] y, double[] g)
    {
        IMap? map = At(y[^1]);
        if (map is null) return false;
        Residual(map, y, g);
        return DenseLinearAlgebra.MaxAbs(g) <= _o.Tolerance;
    }

    /// <summary>The map at p, or null where the family refuses p (paper A's m ≤ 0): Newton may step outside the range, and there it fails like any other step.</summary>
    private IMap? At(double p)
    {
        if (!double.IsFinite(p)) return null;
        try { return _family.At(p); }
        catch (ArgumentException) { return null; }
    }

    /// <summary>A node at <paramref name="y"/>: the tangent oriented by <paramref name="c"/> (cᵀt &gt; 0), eigenvalues, the augmented determinant's sign.</summary>
    internal Node MakeNode(double[] y, double[] c)
    {
        IMap map = _family.At(y[^1]);
        var e = new double[_n + 1];
        e[_n] = 1;
        double[] t = Solve(map, y, c, e) ?? [.. c];
        Normalize(t);
        Complex[] ev;
        int sign = 0;
        double[] x = y[.._n];
        if (_krylovEigen)
            ev = KrylovSchur.Eigenvalues(new JacobianOperator(map, x), new KrylovSchurOptions(), _ct).Eigenvalues;
        else
        {
            var jac = new double[_n * _n];
            map.Jacobian(x, jac, _ws);
            ev = Spectral.Eigenvalues(jac, _n);
        }
        if (!_krylov)
        {
            double[] a = Augmented(map, y, t);
            sign = Lu(a, _n + 1, new int[_n + 1]);
        }
        return new Node(y, t, ev, sign);
    }

    private BranchPoint Point(Node q)
    {
        double rho = q.Eigenvalues.Length > 0 ? q.Eigenvalues.Max(e => e.Magnitude) : double.NaN;
        return new BranchPoint(q.P, q.Y[.._n], rho, q.Eigenvalues.Count(e => e.Magnitude > 1), StabilityText.Classify(rho, CensusOptions.DefaultStabilityMargin));
    }

    private void Residual(IMap map, double[] y, double[] g)
    {
        map.Evaluate(y.AsSpan(0, _n), g);
        for (int i = 0; i < _n; i++) g[i] -= y[i];
    }

    /// <summary>∂F/∂p by a central difference (the error, O(h²), only bends Newton's direction and the tangent, not the points).</summary>
    private double[] Gp(double[] y)
    {
        double p = y[^1], h = 1e-6 * Math.Max(1, Math.Abs(p));
        var fp = new double[_n];
        var fm = new double[_n];
        // At the edge of a family's domain the difference is one-sided.
        IMap plus = At(p + h) ?? _family.At(p), minus = At(p - h) ?? _family.At(p);
        double width = (At(p + h) is null ? 0 : h) + (At(p - h) is null ? 0 : h);
        plus.Evaluate(y.AsSpan(0, _n), fp);
        minus.Evaluate(y.AsSpan(0, _n), fm);
        for (int i = 0; i < _n; i++) fp[i] = (fp[i] - fm[i]) / width;
        return fp;
    }

    /// <summary>[J − I, ∂F/∂p; cᵀ], (N+1)×(N+1) row-major.</summary>
    private double[] Augmented(IMap map, double[] y, double[] c)
    {
        int m = _n + 1;
        var jac = new double[_n * _n];
        map.Jacobian(y.AsSpan(0, _n), jac, _ws);
        double[] gp = Gp(y);
        var a = new double[m * m];
        for (int i = 0; i < _n; i++)
        {
            for (int j = 0; j < _n; j++) a[i * m + j] = jac[i * _n + j];
            a[i * m + i] -= 1;
            a[i * m + _n] = gp[i];
        }
        for (int j = 0; j < m; j++) a[_n * m + j] = c[j];
        return a;
    }

    /// <summary>Solves [J − I, ∂F/∂p; cᵀ] d = rhs: dense LU, or GMRES on products with J.</summary>
    private double[]? Solve(IMap map, double[] y, double[] c, double[] rhs)
    {
        int m = _n + 1;
        var d = new double[m];
        if (!_krylov)
        {
            double[] a = Augmented(map, y, c);
            var piv = new int[m];
            if (Lu(a, m, piv) == 0) return null;
            rhs.CopyTo(d, 0);
            LuSolve(a, m, piv, d);
            return d.All(double.IsFinite) ? d : null;
        }
        double[] gp = Gp(y);
        double[] x = y[.._n];
        var jv = new double[_n];
        GmresResult r = _gmres!.Solve((v, av) =>
        {
            map.JacobianVector(x, v[.._n], jv, _ws);
            double vp = v[_n];
            for (int i = 0; i < _n; i++) av[i] = jv[i] - v[i] + gp[i] * vp;
            double s = 0;
            for (int j = 0; j < m; j++) s += c[j] * v[j];
            av[_n] = s;
        }, rhs, d, 1e-12, 20 * m);
        return r.Status == GmresStatus.NonFinite || !d.All(double.IsFinite) ? null : d;
    }

    // ---- small dense helpers ----

    /// <summary>LU with partial pivoting in place; returns the determinant's sign (0 when a pivot is exactly 0, which is then replaced so solves still run, as inverse iteration needs).</summary>
    internal static int Lu(double[] a, int m, int[] piv)
    {
        int sign = 1;
        bool singular = false;
        double scale = 0;
        foreach (double v in a) scale = Math.Max(scale, Math.Abs(v));
        for (int k = 0; k < m; k++)
        {
            int p = k;
            for (int i = k + 1; i < m; i++) if (Math.Abs(a[i * m + k]) > Math.Abs(a[p * m + k])) p = i;
            piv[k] = p;
            if (p != k)
            {
                for (int j = 0; j < m; j++) (a[k * m + j], a[p * m + j]) = (a[p * m + j], a[k * m + j]);
                sign = -sign;
            }
            double pivot = a[k * m + k];
            if (pivot == 0) { singular = true; pivot = a[k * m + k] = 1e-300 + 1e-16 * scale; }
            if (pivot < 0) sign = -sign;
            for (int i = k + 1; i < m; i++)
            {
                double f = a[i * m + k] /= pivot;
                if (f != 0) for (int j = k + 1; j < m; j++) a[i * m + j] -= f * a[k * m + j];
            }
        }
        return singular ? 0 : sign;
    }

    internal static void LuSolve(double[] a, int m, int[] piv, double[] b)
    {
        for (int k = 0; k < m; k++) if (piv[k] != k) (b[k], b[piv[k]]) = (b[piv[k]], b[k]);
        for (int i = 0; i < m; i++) for (int j = 0; j < i; j++) b[i] -= a[i * m + j] * b[j];
        for (int i = m - 1; i >= 0; i--)
        {
            for (int j = i + 1; j < m; j++) b[i] -= a[i * m + j] * b[j];
            b[i] /= a[i * m + i];
        }
    }

    private static double[] Unit(int n)
    {
        var e = new double[n + 1];
        e[n] = 1;
        return e;
    }

    private static double[] Negate(double[] v) => [.. v.Select(x => -x)];

    internal static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    private static double Distance(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
        return Math.Sqrt(s);
    }

    private static double Normalize(double[] v)
    {
        double s = Math.Sqrt(Dot(v, v));
        if (s > 0) for (int i = 0; i < v.Length; i++) v[i] /= s;
        return s;
    }
}
