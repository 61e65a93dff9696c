using Fixpoint.Maps;
using Fixpoint.Numerics;

namespace Fixpoint.Certify;

/// <summary>
/// Floating-point helpers for the certificates: plain Newton on G(x) = F(x) − x, used only to find
/// good centres (never trusted).
/// </summary>
internal static class PointNewton
{
    /// <summary>
    /// Up to <paramref name="steps"/> full Newton steps from x; returns the iterate of smallest
    /// ‖G‖∞ seen, and that residual. Steps stop when J − I is singular, an iterate is not finite or
    /// leaves <paramref name="bound"/> (when given).
    /// </summary>
    public static (double[] X, double Residual) Solve(Network net, ReadOnlySpan<double> x0, int steps, ReadOnlySpan<Interval> bound = default)
    {
        int n = net.Dimension;
        var x = x0.ToArray();
        var y = new double[n];
        var g = new double[n];
        var a = new double[n * n];
        var workspace = new JacobianWorkspace();
        net.Evaluate(x, y);
        for (int i = 0; i < n; i++) g[i] = y[i] - x[i];
        double res = DenseLinearAlgebra.MaxAbs(g);
        double[] best = (double[])x.Clone();
        double bestRes = double.IsFinite(res) ? res : double.PositiveInfinity;
        int worse = 0;
        for (int s = 0; s < steps && bestRes > 0; s++)
        {
            net.Jacobian(x, a, workspace);
            for (int i = 0; i < n; i++) a[i * n + i] -= 1.0;
            for (int i = 0; i < n; i++) g[i] = -g[i];
            if (!DenseLinearAlgebra.SolveInPlace(a, g, n)) break;
            for (int i = 0; i < n; i++) x[i] += g[i];
            if (!double.IsFinite(DenseLinearAlgebra.MaxAbs(x))) break;
            if (!bound.IsEmpty && !InExpanded(bound, x)) break;
            net.Evaluate(x, y);
            for (int i = 0; i < n; i++) g[i] = y[i] - x[i];
            res = DenseLinearAlgebra.MaxAbs(g);
            if (!double.IsFinite(res)) break;
            if (res < bestRes)
            {
                bestRes = res;
                x.CopyTo(best, 0);
                worse = 0;
            }
            else if (++worse >= 3) break; // stagnating at rounding level, or wandering off
        }
        return (best, bestRes);
    }

    private static bool InExpanded(ReadOnlySpan<Interval> box, ReadOnlySpan<double> x)
    {
        for (int i = 0; i < box.Length; i++)
        {
            double w = box[i].Hi - box[i].Lo;
            if (x[i] < box[i].Lo - 0.5 * w || x[i] > box[i].Hi + 0.5 * w) return false;
        }
        return true;
    }
}
