using System.Numerics;
using Fixpoint.Certify;

namespace Fixpoint.Tests.Certify;

/// <summary>
/// Exact dyadic rationals N·2^E, the reference for the inclusion tests: sums, differences and products
/// of doubles are dyadic, so polynomials in doubles are evaluated without any rounding.
/// </summary>
internal readonly record struct Dyadic(BigInteger N, int E) : IComparable<Dyadic>
{
    public static Dyadic From(double x)
    {
        if (!double.IsFinite(x)) throw new ArgumentOutOfRangeException(nameof(x), x, "must be finite");
        if (x == 0) return new Dyadic(BigInteger.Zero, 0);
        long bits = BitConverter.DoubleToInt64Bits(x);
        bool negative = bits < 0;
        int exponent = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0) exponent = 1; // subnormal
        else mantissa |= 1L << 52;
        var n = new BigInteger(mantissa);
        return new Dyadic(negative ? -n : n, exponent - 1075);
    }

    public static Dyadic operator +(Dyadic a, Dyadic b)
    {
        int e = Math.Min(a.E, b.E);
        return new Dyadic((a.N << (a.E - e)) + (b.N << (b.E - e)), e);
    }

    public static Dyadic operator -(Dyadic a) => new(-a.N, a.E);
    public static Dyadic operator -(Dyadic a, Dyadic b) => a + -b;
    public static Dyadic operator *(Dyadic a, Dyadic b) => new(a.N * b.N, a.E + b.E);

    public int Sign => N.Sign;

    public int CompareTo(Dyadic other) => (this - other).Sign;

    public static bool operator <=(Dyadic a, Dyadic b) => a.CompareTo(b) <= 0;
    public static bool operator >=(Dyadic a, Dyadic b) => a.CompareTo(b) >= 0;
    public static bool operator <(Dyadic a, Dyadic b) => a.CompareTo(b) < 0;
    public static bool operator >(Dyadic a, Dyadic b) => a.CompareTo(b) > 0;

    /// <summary>lo ≤ this ≤ hi exactly (infinite bounds allowed).</summary>
    public bool In(Interval x) =>
        !x.IsEmpty
        && (double.IsNegativeInfinity(x.Lo) || From(x.Lo) <= this)
        && (double.IsPositiveInfinity(x.Hi) || this <= From(x.Hi));

    /// <summary>The tightest interval of doubles around the exact value: [round down, round up].</summary>
    public Interval Bracket()
    {
        int shift = Math.Max(0, (int)N.GetBitLength() - 60);
        double approx = Math.ScaleB((double)(N >> shift), E + shift);
        double lo = approx, hi = approx;
        while (From(lo) > this) lo = Math.BitDecrement(lo);
        while (From(hi) < this) hi = Math.BitIncrement(hi);
        return new Interval(lo, hi);
    }

    /// <summary>Σ c_i x^i exactly.</summary>
    public static Dyadic Polynomial(IReadOnlyList<double> ascending, double x)
    {
        Dyadic dx = From(x), acc = From(0);
        for (int i = ascending.Count - 1; i >= 0; i--) acc = acc * dx + From(ascending[i]);
        return acc;
    }

    /// <summary>Σ i·c_i x^(i−1) exactly.</summary>
    public static Dyadic PolynomialDerivative(IReadOnlyList<double> ascending, double x)
    {
        Dyadic dx = From(x), acc = From(0);
        for (int i = ascending.Count - 1; i >= 1; i--) acc = acc * dx + From(ascending[i]) * From(i);
        return acc;
    }
}
