using Fixpoint.Maps;
using Fixpoint.Numerics;

namespace Fixpoint.Census;

/// <summary>
/// Deflated Newton (Farrell, Birkisson and Funke 2015, "Deflation techniques for finding distinct solutions of
/// nonlinear partial differential equations", SIAM J. Sci. Comput. 37): Newton on M(x)·G(x), G(x) = F(x) − x,
/// with M(x) = Π_i (‖x − x_i‖₂^{−p} + σ) over the known roots x_i, so Newton is pushed away from them and can
/// converge to another root from the same start. The deflated step is the plain Newton step d = −(J − I)⁻¹G
/// rescaled, δ = d / (1 − ∇log M · d) (Sherman–Morrison), so it costs one linear solve like Newton itself.
/// </summary>
public sealed class DeflatedNewton
{
    /// <summary>Farrell et al.'s defaults: power p = 2, shift σ = 1.</summary>
    public const double DefaultPower = 2, DefaultShift = 1;

    private readonly IMap _map;
    private readonly int _n;
    private readonly bool _krylov;
    private readonly JacobianWorkspace _ws = new();
    private readonly Gmres? _gmres;

    public DeflatedNewton(IMap map, NewtonMethod method)
    {
        ArgumentNullException.ThrowIfNull(map);
        (_map, _n) = (map, map.Dimension);
        _krylov = method == NewtonMethod.Krylov || (method == NewtonMethod.Auto && _n >= CensusNewton.KrylovThreshold);
        if (_krylov) _gmres = new Gmres(_n, Math.Min(_n, 60));
    }

    public double Power { get; init; } = DefaultPower;
    public double Shift { get; init; } = DefaultShift;

    /// <summary>
    /// A root of G from <paramref name="x0"/> with every root in <paramref name="known"/> deflated: converged when
    /// ‖G(x)‖∞ ≤ <paramref name="tolerance"/> farther than <paramref name="minDistance"/> (∞-norm) from every known root;
    /// null when Newton fails (non-finite, beyond <paramref name="bound"/>, singular, or out of iterations).
    /// </summary>
    public double[]? Solve(ReadOnlySpan<double> x0, IReadOnlyList<double[]> known, double tolerance, double minDistance, int maxIterations, double bound)
    {
        int n = _n;
        double[] x = x0.ToArray();
        var g = new double[n];
        var d = new double[n];
        var jac = _krylov ? [] : new double[n * n];
        var jv = new double[n];
        for (int it = 0; it <= maxIterations; it++)
        {
            _map.Evaluate(x, g);
            for (int i = 0; i < n; i++) g[i] -= x[i];
            double r = DenseLinearAlgebra.MaxAbs(g);
            if (!double.IsFinite(r)) return null;
            if (r <= tolerance) return known.All(k => DenseLinearAlgebra.MaxAbsDiff(k, x) > minDistance) ? x : null;
            if (it == maxIterations) break;
            for (int i = 0; i < n; i++) d[i] = -g[i];
            if (!_krylov)
            {
                _map.Jacobian(x, jac, _ws);
                for (int i = 0; i < n; i++) jac[i * n + i] -= 1;
                if (!DenseLinearAlgebra.SolveInPlace(jac, d, n)) return null;
            }
            else
            {
                double[] rhs = [.. d];
                Array.Clear(d);
                double[] xs = x;
                _gmres!.Solve((v, av) =>
                {
                    _map.JacobianVector(xs, v, jv, _ws);
                    for (int i = 0; i < n; i++) av[i] = jv[i] - v[i];
                }, rhs, d, 1e-10, 20 * n);
            }
            // ∇ log M · d, M = Π (‖x − x_k‖^{−p} + σ).
            double dot = 0;
            foreach (double[] k in known)
            {
                double s2 = 0, sd = 0;
                for (int i = 0; i < n; i++)
                {
                    double e = x[i] - k[i];
                    s2 += e * e;
                    sd += e * d[i];
                }
                if (s2 == 0) return null;
                double inv = Math.Pow(s2, -Power / 2);
                dot += -Power * inv / s2 * sd / (inv + Shift);
            }
            double denom = 1 - dot;
            if (!(Math.Abs(denom) > 1e-14)) return null;
            for (int i = 0; i < n; i++) x[i] += d[i] / denom;
            if (!(DenseLinearAlgebra.MaxAbs(x) <= bound)) return null;
        }
        return null;
    }
}
