using Fixpoint.Maps;
using Fixpoint.Numerics;
using static Fixpoint.Numerics.DenseLinearAlgebra;

namespace Fixpoint.Solvers;

/// <summary>
/// Newton's method on G(x) = F(x) − x: solve (J(x) − I) d = −G(x), then backtrack t = 1, ½, ¼, …
/// until ½‖G(x + t d)‖₂² ≤ (1 − 2c t)·½‖G(x)‖₂² (Armijo, c = <see cref="ArmijoC"/>).
/// It converges to unstable fixed points (saddles, repellers) as readily as to stable ones.
/// When J − I is singular the step solves the regularised normal equations instead; when the
/// line search fails the start ends as <see cref="SolveStatus.MaxIterations"/> with its best iterate.
/// </summary>
public sealed record NewtonSolver : ISolver
{
    private readonly int _maxBacktracks = 30;
    private readonly double _armijoC = 1e-4;

    public int MaxBacktracks { get => _maxBacktracks; init => _maxBacktracks = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxBacktracks), value, "must be ≥ 0"); }
    public double ArmijoC { get => _armijoC; init => _armijoC = value > 0 && value < 0.5 ? value : throw new ArgumentOutOfRangeException(nameof(ArmijoC), value, "must be in (0, 0.5)"); }

    public string Name => "newton";

    public BatchResult SolveBatch(IMap map, double[] starts, int count, SolveOptions options, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
        => BatchDriver.Run(map, starts, count, options, progress, cancellationToken, SolveChunk);

    private long SolveChunk(IMap map, double[] starts, int first, int m, SolveOptions o, SolveResult?[] results, Action<int> finished, CancellationToken ct)
    {
        int n = map.Dimension;
        var x = new double[n];
        var y = new double[n];
        var g = new double[n];
        var d = new double[n];
        var xt = new double[n];
        var gt = new double[n];
        var jac = new double[n * n];
        var a = new double[n * n];
        long evals = 0;
        for (int s = 0; s < m; s++)
        {
            if (ct.IsCancellationRequested) return evals;
            Array.Copy(starts, (first + s) * n, x, 0, n);
            results[first + s] = SolveOne();
            finished(1);
        }
        return evals;

        SolveResult SolveOne()
        {
            long e0 = evals;
            double[] best = (double[])x.Clone();
            double bestRes = double.PositiveInfinity;
            if (!Residual(x, g)) return new SolveResult(best, SolveStatus.Diverged, 0, evals - e0, double.NaN);
            for (int iter = 1; iter <= o.MaxIterations; iter++)
            {
                double r = MaxAbs(g);
                if (o.IsConverged(r, MaxAbs(x))) return new SolveResult((double[])x.Clone(), SolveStatus.Converged, iter, evals - e0, r);
                if (r < bestRes) { bestRes = r; x.CopyTo(best, 0); }
                if (!Direction()) return new SolveResult(best, SolveStatus.MaxIterations, iter, evals - e0, bestRes);
                double phi0 = 0.5 * Dot(g, g);
                double t = 1.0;
                bool accepted = false;
                for (int bt = 0; bt <= MaxBacktracks; bt++, t *= 0.5)
                {
                    for (int j = 0; j < n; j++) xt[j] = x[j] + t * d[j];
                    if (Residual(xt, gt) && 0.5 * Dot(gt, gt) <= (1 - 2 * ArmijoC * t) * phi0)
                    {
                        accepted = true;
                        break;
                    }
                }
                if (!accepted) return new SolveResult(best, SolveStatus.MaxIterations, iter, evals - e0, bestRes);
                xt.CopyTo(x, 0);
                gt.CopyTo(g, 0);
                if (MaxAbs(x) > o.DivergenceBound) return new SolveResult(best, SolveStatus.Diverged, iter, evals - e0, bestRes);
            }
            Residual(x, g);
            double rf = MaxAbs(g);
            if (o.IsConverged(rf, MaxAbs(x))) return new SolveResult((double[])x.Clone(), SolveStatus.Converged, o.MaxIterations, evals - e0, rf);
            if (rf < bestRes) { bestRes = rf; x.CopyTo(best, 0); }
            return new SolveResult(best, SolveStatus.MaxIterations, o.MaxIterations, evals - e0, bestRes);
        }

        // g = F(p) − p; false when non-finite.
        bool Residual(double[] p, double[] res)
        {
            map.Evaluate(p, y);
            evals++;
            for (int j = 0; j < n; j++) res[j] = y[j] - p[j];
            return double.IsFinite(MaxAbs(res));
        }

        // d solves (J − I) d = −g; falls back to (AᵀA + μI) d = −Aᵀg when J − I is singular.
        bool Direction()
        {
            map.Jacobian(x, jac);
            for (int i = 0; i < n * n; i++) a[i] = jac[i];
            for (int i = 0; i < n; i++) a[i * n + i] -= 1.0;
            for (int j = 0; j < n; j++) d[j] = -g[j];
            if (DenseLinearAlgebra.SolveInPlace(a, d, n)) return double.IsFinite(MaxAbs(d));
            var ata = new double[n * n];
            double maxDiag = 0;
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int k = 0; k < n; k++) s += (jac[k * n + i] - (k == i ? 1 : 0)) * (jac[k * n + j] - (k == j ? 1 : 0));
                    ata[i * n + j] = s;
                }
                maxDiag = Math.Max(maxDiag, ata[i * n + i]);
                double rhs = 0;
                for (int k = 0; k < n; k++) rhs -= (jac[k * n + i] - (k == i ? 1 : 0)) * g[k];
                d[i] = rhs;
            }
            double mu = 1e-8 * Math.Max(maxDiag, 1e-300);
            for (int i = 0; i < n; i++) ata[i * n + i] += mu;
            return DenseLinearAlgebra.CholeskySolveInPlace(ata, d, n, 1e-300) && double.IsFinite(MaxAbs(d));
        }

        // Sequential, so the sum's rounding does not depend on the vector width the JIT picked.
        static double Dot(double[] u, double[] v)
        {
            double s = 0;
            for (int i = 0; i < u.Length; i++) s = Math.FusedMultiplyAdd(u[i], v[i], s);
            return s;
        }
    }
}
