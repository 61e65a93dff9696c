using Fixpoint.Maps;
using Fixpoint.Numerics;

namespace Fixpoint.Certify;

/// <summary>
/// Floating-point helpers for the certificates: plain Newton on G(x) = F(x) − x, used only to find
/// good centres (never trusted), and a small matrix inverse for the Krawczyk preconditioner.
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
        net.Evaluate(x, y);
        for (int i = 0; i < n; i++) g[i] = y[i] - x[i];
        double res = DenseLinearAlgebra.MaxAbs(g);
        double[] best = (double[])x.Clone();
        double bestRes = double.IsFinite(res) ? res : double.PositiveInfinity;
        int worse = 0;
        for (int s = 0; s < steps && bestRes > 0; s++)
        {
            net.Jacobian(x, a);
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

    /// <summary>
    /// Inverts the n×n row-major matrix a (overwritten) into inv by Gauss–Jordan elimination with
    /// partial pivoting. False when a pivot is below 1e-14 × max|a| or a result is not finite.
    /// </summary>
    public static bool TryInvert(Span<double> a, int n, Span<double> inv)
    {
        double scale = DenseLinearAlgebra.MaxAbs(a[..(n * n)]);
        if (!(scale > 0) || !double.IsFinite(scale)) return false;
        double tiny = 1e-14 * scale;
        inv[..(n * n)].Clear();
        for (int i = 0; i < n; i++) inv[i * n + i] = 1.0;
        for (int k = 0; k < n; k++)
        {
            int p = k;
            double best = Math.Abs(a[k * n + k]);
            for (int i = k + 1; i < n; i++)
            {
                double v = Math.Abs(a[i * n + k]);
                if (v > best) { best = v; p = i; }
            }
            if (best <= tiny) return false;
            if (p != k)
                for (int j = 0; j < n; j++)
                {
                    (a[k * n + j], a[p * n + j]) = (a[p * n + j], a[k * n + j]);
                    (inv[k * n + j], inv[p * n + j]) = (inv[p * n + j], inv[k * n + j]);
                }
            double piv = 1.0 / a[k * n + k];
            for (int j = 0; j < n; j++)
            {
                a[k * n + j] *= piv;
                inv[k * n + j] *= piv;
            }
            for (int i = 0; i < n; i++)
            {
                if (i == k) continue;
                double f = a[i * n + k];
                if (f == 0) continue;
                for (int j = 0; j < n; j++)
                {
                    a[i * n + j] -= f * a[k * n + j];
                    inv[i * n + j] -= f * inv[k * n + j];
                }
            }
        }
        return double.IsFinite(DenseLinearAlgebra.MaxAbs(inv[..(n * n)]));
    }
}
