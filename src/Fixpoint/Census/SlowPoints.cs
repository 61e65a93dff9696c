using System.Numerics;
using Fixpoint.Maps;
using Fixpoint.Numerics;
using Fixpoint.Solvers;
using static Fixpoint.Numerics.DenseLinearAlgebra;

namespace Fixpoint.Census;

/// <summary>Settings of the slow-point search (<see cref="SlowPointSearch"/>); every value is checked when set.</summary>
public sealed record SlowPointOptions
{
    /// <summary>The search forms J and a finite-difference Hessian (2N + 1 Jacobians per step), so it is refused above this N.</summary>
    public const int MaxDimension = 1024;
    public const int DefaultStarts = 64;
    public const int DefaultMaxIterations = 200;
    public const double DefaultGradientTol = 1e-8;
    public const int DefaultLeadingEigenvalues = 6;

    private readonly int _starts = DefaultStarts;
    private readonly int _maxIterations = DefaultMaxIterations;
    private readonly double _gradientTol = DefaultGradientTol;

    /// <summary>The minimisation runs from the first this many census starts (0: all of them).</summary>
    public int Starts { get => _starts; init => _starts = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(Starts), value, "must be ≥ 0"); }

    /// <summary>Trust-region steps (accepted or not) per start.</summary>
    public int MaxIterations { get => _maxIterations; init => _maxIterations = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxIterations), value, "must be ≥ 1"); }

    /// <summary>
    /// A minimum of q is reached when ‖∇q‖₂ ≤ GradientTol·‖F(x) − x‖₂, i.e. ‖(J − I)ᵀ r‖ ≤ tol·‖r‖: r lies (nearly) in the null space
    /// of (J − I)ᵀ. The test is relative so that it never accepts a point on its way to a true fixed point, where ∇q is small
    /// only because r is (there ‖(J − I)ᵀ r‖/‖r‖ ≥ σ_min(J − I) &gt; 0).
    /// </summary>
    public double GradientTol { get => _gradientTol; init => _gradientTol = value > 0 && value < 1 ? value : throw new ArgumentOutOfRangeException(nameof(GradientTol), value, "must be in (0, 1)"); }
}

/// <summary>
/// A slow point (Sussillo &amp; Barak 2013): a local minimum of q(x) = ½‖F(x) − x‖² where q is above the fixed-point
/// tolerance, a place the map moves through slowly (a ghost of a fixed point past a fold, for example).
/// </summary>
/// <param name="Residual">‖F(x) − x‖∞.</param>
/// <param name="Gradient">‖∇q(x)‖₂ = ‖(J − I)ᵀ(F(x) − x)‖₂ at the reported point.</param>
/// <param name="Eigenvalues">The leading eigenvalues of J(x), by decreasing modulus.</param>
/// <param name="Starts">How many starts' minimisations ended at this point (within the census's unique tolerance).</param>
public sealed record SlowPoint(double[] X, double Q, double Residual, double Gradient, double SpectralRadius, Complex[] Eigenvalues, long Starts);

/// <summary>
/// Minimises q(x) = ½‖F(x) − x‖² from census starts with a trust-region (Levenberg–Marquardt-damped) Newton method on the
/// full Hessian ∇²q = (J − I)ᵀ(J − I) + Σᵢ rᵢ ∇²Fᵢ. Gauss–Newton alone would drop the second term, which is all the curvature
/// there is at a slow point (there (J − I)ᵀ r = 0 with r ≠ 0, so (J − I) is singular along the direction that matters) and
/// converges only linearly; the second term is taken by central differences of the exact Jacobian, one pair per coordinate.
/// Each step solves (H + μI)δ = −∇q by Cholesky: μ grows until H + μI is positive definite and the step lowers q, and
/// shrinks after each accepted step, so far from a minimum it is a damped gradient step and near it Newton's.
/// Deterministic: every start runs alone, and the results are clustered in start order.
/// </summary>
public static class SlowPointSearch
{
    /// <summary>How one minimisation ended.</summary>
    public enum Outcome { SlowPoint, FixedPoint, NotConverged }

    /// <summary>The distinct slow points reached from the first <see cref="SlowPointOptions.Starts"/> of <paramref name="starts"/> (row-major, <paramref name="count"/> rows), lowest q first.</summary>
    public static IReadOnlyList<SlowPoint> Find(IMap map, ReadOnlySpan<double> starts, int count, SlowPointOptions options, SolveOptions tolerance, double uniqueTol,
        IProgress<Progress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(tolerance);
        int n = map.Dimension;
        if (n > SlowPointOptions.MaxDimension) throw new ArgumentOutOfRangeException(nameof(map), n, $"slow points need N ≤ {SlowPointOptions.MaxDimension}");
        int runs = options.Starts > 0 ? Math.Min(options.Starts, count) : count;
        double[] x0 = starts[..(runs * n)].ToArray();
        var results = new (Outcome Outcome, double[] X, double Q)[runs];
        int done = 0;
        progress?.Report(new Progress("slow points", 0, runs));
        Parallel.For(0, runs, new ParallelOptions { MaxDegreeOfParallelism = tolerance.EffectiveThreads, CancellationToken = CancellationToken.None }, i =>
        {
            results[i] = cancellationToken.IsCancellationRequested ? (Outcome.NotConverged, [], 0)
                : Minimise(map, x0.AsSpan(i * n, n).ToArray(), options, tolerance);
            progress?.Report(new Progress("slow points", Interlocked.Increment(ref done), runs));
        });

        var index = new PointClusters(n, uniqueTol);
        var best = new List<(double[] X, double Q, long Starts)>();
        foreach (var r in results)
        {
            if (r.Outcome != Outcome.SlowPoint) continue;
            int c = index.Find(r.X);
            if (c < 0) { best.Add((r.X, r.Q, 0)); c = index.Add(r.X); }
            var b = best[c];
            best[c] = r.Q < b.Q ? (r.X, r.Q, b.Starts + 1) : (b.X, b.Q, b.Starts + 1);
        }
        var workspace = new JacobianWorkspace();
        var jac = new double[n * n];
        var y = new double[n];
        return best.Select(b =>
        {
            map.Evaluate(b.X, y);
            map.Jacobian(b.X, jac, workspace);
            var r = new double[n];
            for (int i = 0; i < n; i++) r[i] = y[i] - b.X[i];
            Complex[] ev = Spectral.Eigenvalues(jac, n);
            double rho = ev.Length > 0 ? ev[0].Magnitude : Spectral.SpectralRadius(jac, n);
            return new SlowPoint(b.X, b.Q, MaxAbs(r), Norm2(Gradient(jac, r, n)), rho, ev.Take(SlowPointOptions.DefaultLeadingEigenvalues).ToArray(), b.Starts);
        }).OrderBy(s => s.Q).ThenBy(s => s.X, LexicographicComparer.Instance).ToList();
    }

    /// <summary>One trust-region Newton minimisation of q from <paramref name="x"/>.</summary>
    public static (Outcome Outcome, double[] X, double Q) Minimise(IMap map, double[] x, SlowPointOptions options, SolveOptions tolerance)
    {
        int n = map.Dimension;
        var workspace = new JacobianWorkspace();
        var jac = new double[n * n];
        var jp = new double[n * n];
        var jm = new double[n * n];
        var h = new double[n * n];
        var a = new double[n * n];
        var step = new double[n];
        var trial = new double[n];
        var r = new double[n];
        double q = Q(map, x, r);
        double mu = 0;
        bool fresh = true;
        double[] g = [];
        for (int it = 0; it < options.MaxIterations; it++)
        {
            if (!double.IsFinite(q)) return (Outcome.NotConverged, x, q);
            if (fresh)
            {
                if (MaxAbs(r) <= tolerance.Atol + tolerance.Rtol * MaxAbs(x)) return (Outcome.FixedPoint, x, q);
                map.Jacobian(x, jac, workspace);
                g = Gradient(jac, r, n);
                if (Norm2(g) <= options.GradientTol * Norm2(r)) return (Outcome.SlowPoint, x, q);
                Hessian(map, x, jac, r, jp, jm, h, workspace);
                fresh = false;
            }
            double scale = 0;
            for (int i = 0; i < n; i++) scale = Math.Max(scale, Math.Abs(h[i * n + i]));
            scale = Math.Max(scale, double.Epsilon);
            h.CopyTo(a, 0);
            for (int i = 0; i < n; i++) { a[i * n + i] += mu; step[i] = -g[i]; }
            if (!CholeskySolveInPlace(a, step, n, 1e-15))
            {
                mu = Math.Max(10 * mu, 1e-10 * scale);
                continue;
            }
            for (int i = 0; i < n; i++) trial[i] = x[i] + step[i];
            var rt = new double[n];
            double qt = Q(map, trial, rt);
            if (qt < q)
            {
                (x, r, q) = ((double[])trial.Clone(), rt, qt);
                mu = mu / 10 < 1e-14 * scale ? 0 : mu / 10;
                fresh = true;
            }
            else
            {
                mu = Math.Max(10 * mu, 1e-8 * scale);
                if (mu > 1e30 * scale) return (Outcome.NotConverged, x, q);
            }
        }
        return (Outcome.NotConverged, x, q);
    }

    /// <summary>q(x) = ½‖F(x) − x‖², with r = F(x) − x into <paramref name="r"/>.</summary>
    private static double Q(IMap map, double[] x, double[] r)
    {
        map.Evaluate(x, r);
        double s = 0;
        for (int i = 0; i < r.Length; i++) { r[i] -= x[i]; s += r[i] * r[i]; }
        return 0.5 * s;
    }

    /// <summary>∇q = (J − I)ᵀ r.</summary>
    private static double[] Gradient(double[] jac, double[] r, int n)
    {
        var g = new double[n];
        for (int i = 0; i < n; i++)
        {
            double ri = r[i];
            if (ri == 0) continue;
            for (int j = 0; j < n; j++) g[j] += jac[i * n + j] * ri;
        }
        for (int j = 0; j < n; j++) g[j] -= r[j];
        return g;
    }

    /// <summary>
    /// H = (J − I)ᵀ(J − I) + S, S[j, k] = Σᵢ rᵢ ∂²Fᵢ/∂x_j∂x_k by central differences of J in x_k (step ε^(1/3)·max(1, |x_k|),
    /// which balances truncation against rounding), symmetrised.
    /// </summary>
    private static void Hessian(IMap map, double[] x, double[] jac, double[] r, double[] jp, double[] jm, double[] h, JacobianWorkspace workspace)
    {
        int n = x.Length;
        for (int j = 0; j < n; j++)
            for (int k = 0; k < n; k++)
            {
                double s = 0;
                for (int i = 0; i < n; i++) s += (jac[i * n + j] - (i == j ? 1 : 0)) * (jac[i * n + k] - (i == k ? 1 : 0));
                h[j * n + k] = s;
            }
        var xs = (double[])x.Clone();
        var col = new double[n * n];
        for (int k = 0; k < n; k++)
        {
            double d = 6e-6 * Math.Max(1.0, Math.Abs(x[k]));
            xs[k] = x[k] + d;
            map.Jacobian(xs, jp, workspace);
            xs[k] = x[k] - d;
            map.Jacobian(xs, jm, workspace);
            xs[k] = x[k];
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int i = 0; i < n; i++) s += (jp[i * n + j] - jm[i * n + j]) * r[i];
                col[j * n + k] = s / (2 * d);
            }
        }
        for (int j = 0; j < n; j++)
            for (int k = 0; k < n; k++) h[j * n + k] += 0.5 * (col[j * n + k] + col[k * n + j]);
    }

    private static double Norm2(double[] v)
    {
        double s = 0;
        foreach (double e in v) s += e * e;
        return Math.Sqrt(s);
    }
}

/// <summary>Orbits of the map itself, x_{t+1} = F(x_t), from given starts: what <c>--trajectories</c> writes.</summary>
public static class Trajectories
{
    /// <summary>
    /// The first <paramref name="count"/> rows of <paramref name="starts"/> iterated <paramref name="steps"/> times: [count, steps + 1, N]
    /// row-major, state 0 the start. A value that overflows stays as it is (NaN or ∞): the orbit is written as the map made it.
    /// </summary>
    public static double[] Iterate(IMap map, ReadOnlySpan<double> starts, int count, int steps, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(map);
        int n = map.Dimension;
        if (count < 0 || count * n > starts.Length) throw new ArgumentOutOfRangeException(nameof(count), count, "more trajectories than starts");
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "must be ≥ 0");
        if ((long)count * (steps + 1) * n > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(steps), steps, "more values than one array holds");
        var outp = new double[count * (steps + 1) * n];
        var cur = starts[..(count * n)].ToArray();
        var next = new double[count * n];
        for (int t = 0; t <= steps; t++)
        {
            for (int i = 0; i < count; i++) cur.AsSpan(i * n, n).CopyTo(outp.AsSpan((i * (steps + 1) + t) * n, n));
            if (t == steps || cancellationToken.IsCancellationRequested) break;
            map.EvaluateBatch(cur, next, count);
            (cur, next) = (next, cur);
        }
        return outp;
    }
}
