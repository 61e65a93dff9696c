namespace Fixpoint.Certify;

/// <summary>
/// Directed rounding built from round-to-nearest, which is the only mode .NET offers.
/// For + − × ÷ and √ the rounded result is compared with the exact one through an error-free
/// transformation (TwoSum, or a fused multiply-add residual): when the rounded result already lies
/// on the safe side it is kept, otherwise it is moved one ulp outward with
/// <see cref="Math.BitDecrement"/> / <see cref="Math.BitIncrement"/>. Near underflow, where the
/// residual is no longer exact, the result is always moved one ulp. Every function here returns a
/// bound that is never on the wrong side of the exact value, and never NaN.
/// </summary>
internal static class Rounding
{
    /// <summary>u = 2⁻⁵³, the unit roundoff of float64.</summary>
    public const double UnitRoundoff = 1.1102230246251565e-16;

    /// <summary>Below this magnitude an FMA residual may be inexact (gradual underflow): widen unconditionally.</summary>
    private const double Tiny = 1e-290;

    public static double AddDown(double a, double b)
    {
        double s = a + b;
        if (double.IsNaN(s)) return double.NegativeInfinity;
        if (double.IsInfinity(s))
            return s > 0 && !double.IsPositiveInfinity(a) && !double.IsPositiveInfinity(b) ? double.MaxValue : s;
        double bb = s - a;
        double err = (a - (s - bb)) + (b - bb);
        return err < 0 ? Math.BitDecrement(s) : s;
    }

    public static double AddUp(double a, double b)
    {
        double s = a + b;
        if (double.IsNaN(s)) return double.PositiveInfinity;
        if (double.IsInfinity(s))
            return s < 0 && !double.IsNegativeInfinity(a) && !double.IsNegativeInfinity(b) ? -double.MaxValue : s;
        double bb = s - a;
        double err = (a - (s - bb)) + (b - bb);
        return err > 0 ? Math.BitIncrement(s) : s;
    }

    public static double SubDown(double a, double b) => AddDown(a, -b);

    public static double SubUp(double a, double b) => AddUp(a, -b);

    /// <summary>a·b rounded down; 0·∞ is taken as 0 (the limit of bounded sets).</summary>
    public static double MulDown(double a, double b)
    {
        if (a == 0 || b == 0) return 0.0;
        double p = a * b;
        if (double.IsNaN(p)) return double.NegativeInfinity;
        if (double.IsInfinity(p))
            return p > 0 && double.IsFinite(a) && double.IsFinite(b) ? double.MaxValue : p;
        if (Math.Abs(p) < Tiny) return Math.BitDecrement(p);
        double err = Math.FusedMultiplyAdd(a, b, -p);
        return err < 0 ? Math.BitDecrement(p) : p;
    }

    /// <summary>a·b rounded up; 0·∞ is taken as 0.</summary>
    public static double MulUp(double a, double b)
    {
        if (a == 0 || b == 0) return 0.0;
        double p = a * b;
        if (double.IsNaN(p)) return double.PositiveInfinity;
        if (double.IsInfinity(p))
            return p < 0 && double.IsFinite(a) && double.IsFinite(b) ? -double.MaxValue : p;
        if (Math.Abs(p) < Tiny) return Math.BitIncrement(p);
        double err = Math.FusedMultiplyAdd(a, b, -p);
        return err > 0 ? Math.BitIncrement(p) : p;
    }

    /// <summary>a/b rounded down, for b ≠ 0.</summary>
    public static double DivDown(double a, double b)
    {
        if (a == 0) return 0.0;
        double q = a / b;
        if (double.IsNaN(q)) return double.NegativeInfinity;
        if (double.IsInfinity(q))
            return q > 0 && double.IsFinite(a) ? double.MaxValue : q;
        if (double.IsInfinity(b)) return 0.0; // finite / ±∞ is exactly 0
        if (Math.Abs(q) < Tiny || Math.Abs(a) < Tiny) return Math.BitDecrement(q);
        double r = Math.FusedMultiplyAdd(-q, b, a); // a − q·b, exact
        // exact quotient = q + r/b
        return r != 0 && (r < 0) == (b > 0) ? Math.BitDecrement(q) : q;
    }

    /// <summary>a/b rounded up, for b ≠ 0.</summary>
    public static double DivUp(double a, double b)
    {
        if (a == 0) return 0.0;
        double q = a / b;
        if (double.IsNaN(q)) return double.PositiveInfinity;
        if (double.IsInfinity(q))
            return q < 0 && double.IsFinite(a) ? -double.MaxValue : q;
        if (double.IsInfinity(b)) return 0.0;
        if (Math.Abs(q) < Tiny || Math.Abs(a) < Tiny) return Math.BitIncrement(q);
        double r = Math.FusedMultiplyAdd(-q, b, a);
        return r != 0 && (r > 0) == (b > 0) ? Math.BitIncrement(q) : q;
    }

    /// <summary>√x rounded down, for x ≥ 0.</summary>
    public static double SqrtDown(double x)
    {
        if (x <= 0) return 0.0;
        double s = Math.Sqrt(x);
        if (double.IsPositiveInfinity(s)) return double.IsPositiveInfinity(x) ? s : double.MaxValue;
        if (x < Tiny) return Math.Max(0.0, Math.BitDecrement(s));
        double r = Math.FusedMultiplyAdd(-s, s, x); // x − s², exact
        return r < 0 ? Math.BitDecrement(s) : s;
    }

    /// <summary>√x rounded up, for x ≥ 0.</summary>
    public static double SqrtUp(double x)
    {
        if (x <= 0) return 0.0;
        double s = Math.Sqrt(x);
        if (double.IsPositiveInfinity(s)) return s;
        if (x < Tiny) return Math.BitIncrement(s);
        double r = Math.FusedMultiplyAdd(-s, s, x);
        return r > 0 ? Math.BitIncrement(s) : s;
    }

    /// <summary>Moves a library result <paramref name="ulps"/> ulps down; NaN becomes −∞.</summary>
    public static double PadDown(double v, int ulps)
    {
        if (double.IsNaN(v)) return double.NegativeInfinity;
        for (int i = 0; i < ulps; i++) v = Math.BitDecrement(v);
        return v;
    }

    /// <summary>Moves a library result <paramref name="ulps"/> ulps up; NaN becomes +∞.</summary>
    public static double PadUp(double v, int ulps)
    {
        if (double.IsNaN(v)) return double.PositiveInfinity;
        for (int i = 0; i < ulps; i++) v = Math.BitIncrement(v);
        return v;
    }
}
