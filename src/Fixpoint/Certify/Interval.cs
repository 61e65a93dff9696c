using System.Globalization;
using static Fixpoint.Certify.Rounding;

namespace Fixpoint.Certify;

/// <summary>
/// A closed real interval [Lo, Hi] with outward-rounded arithmetic: the result of every operation
/// contains the exact image of its arguments, so a computed enclosure is a proof.
/// <para><b>Invariants.</b> Neither bound is NaN. A non-empty interval has Lo ≤ Hi, Lo &lt; +∞ and
/// Hi &gt; −∞ (the bounds may be infinite: <see cref="Entire"/> is [−∞, +∞]). The one empty
/// representation is Lo = +∞, Hi = −∞ (<see cref="Empty"/>); every operation on an empty argument
/// gives <see cref="Empty"/>. <c>default(Interval)</c> is the point [0, 0].</para>
/// <para><b>Rounding.</b> + − × ÷ and √ are correctly rounded in IEEE 754; each bound is rounded to
/// nearest and then moved one ulp outward (<see cref="Math.BitDecrement"/> /
/// <see cref="Math.BitIncrement"/>) unless an error-free transformation shows it already lies on the
/// safe side, so these operations give the tightest floating-point enclosure. exp, log, tanh, sin,
/// cos and real powers come from the platform's math library, which is not correctly rounded: their
/// bounds are moved <see cref="TranscendentalPaddingUlps"/> ulps outward (the C libraries .NET calls
/// document errors below 1–2 ulps), then clipped to the function's known range (exp ≥ 0,
/// |tanh| ≤ 1, |sin| ≤ 1, …).</para>
/// <para>0·∞ is taken as 0 in products (the bounds are limits of bounded sets), as in IEEE 1788.
/// Division by an interval containing 0 gives <see cref="Entire"/> (or <see cref="Empty"/> for [0, 0]).</para>
/// </summary>
public readonly struct Interval : IEquatable<Interval>
{
    /// <summary>Ulps by which the bounds of exp, log, tanh, logistic, softplus, sin, cos and real powers are padded.</summary>
    public const int TranscendentalPaddingUlps = 4;

    private Interval(double lo, double hi, bool _)
    {
        Lo = lo;
        Hi = hi;
    }

    /// <summary>The interval [lo, hi]; throws when a bound is NaN, lo &gt; hi, lo = +∞ or hi = −∞.</summary>
    public Interval(double lo, double hi)
    {
        if (double.IsNaN(lo)) throw new ArgumentOutOfRangeException(nameof(lo), lo, "must not be NaN");
        if (double.IsNaN(hi)) throw new ArgumentOutOfRangeException(nameof(hi), hi, "must not be NaN");
        if (lo > hi) throw new ArgumentException($"lower bound {lo.ToString("R", CultureInfo.InvariantCulture)} exceeds upper bound {hi.ToString("R", CultureInfo.InvariantCulture)}", nameof(lo));
        if (double.IsPositiveInfinity(lo)) throw new ArgumentOutOfRangeException(nameof(lo), lo, "must be < +∞");
        if (double.IsNegativeInfinity(hi)) throw new ArgumentOutOfRangeException(nameof(hi), hi, "must be > −∞");
        Lo = lo;
        Hi = hi;
    }

    /// <summary>Lower bound (+∞ for the empty interval).</summary>
    public double Lo { get; }

    /// <summary>Upper bound (−∞ for the empty interval).</summary>
    public double Hi { get; }

    /// <summary>[lo, hi] without any check. The caller guarantees the invariants; for hot loops only.</summary>
    public static Interval UnsafeCreate(double lo, double hi) => new(lo, hi, false);

    /// <summary>The degenerate interval [x, x]; x must be finite.</summary>
    public static Interval Point(double x)
    {
        if (!double.IsFinite(x)) throw new ArgumentOutOfRangeException(nameof(x), x, "must be finite");
        return new Interval(x, x, false);
    }

    /// <summary>[c − r, c + r] rounded outward; r ≥ 0.</summary>
    public static Interval Around(double center, double radius)
    {
        if (!double.IsFinite(center)) throw new ArgumentOutOfRangeException(nameof(center), center, "must be finite");
        if (!(radius >= 0)) throw new ArgumentOutOfRangeException(nameof(radius), radius, "must be ≥ 0");
        return new Interval(SubDown(center, radius), AddUp(center, radius), false);
    }

    /// <summary>The empty set, represented as [+∞, −∞].</summary>
    public static Interval Empty => new(double.PositiveInfinity, double.NegativeInfinity, false);

    /// <summary>The whole real line [−∞, +∞].</summary>
    public static Interval Entire => new(double.NegativeInfinity, double.PositiveInfinity, false);

    public bool IsEmpty => Lo > Hi;
    public bool IsPoint => Lo == Hi;
    public bool IsFinite => double.IsFinite(Lo) && double.IsFinite(Hi);

    /// <summary>Hi − Lo rounded up; NaN for the empty interval.</summary>
    public double Width => IsEmpty ? double.NaN : SubUp(Hi, Lo);

    /// <summary>Half the width, rounded up; NaN for the empty interval.</summary>
    public double Radius
    {
        get
        {
            if (IsEmpty) return double.NaN;
            double m = Midpoint;
            return Math.Max(SubUp(Hi, m), SubUp(m, Lo));
        }
    }

    /// <summary>
    /// A point inside the interval, close to its centre: 0 for <see cref="Entire"/>, ±<see cref="double.MaxValue"/>
    /// for half-infinite intervals (as IEEE 1788), NaN for the empty interval.
    /// </summary>
    public double Midpoint
    {
        get
        {
            if (IsEmpty) return double.NaN;
            if (double.IsNegativeInfinity(Lo)) return double.IsPositiveInfinity(Hi) ? 0.0 : -double.MaxValue;
            if (double.IsPositiveInfinity(Hi)) return double.MaxValue;
            double m = 0.5 * Lo + 0.5 * Hi;
            return Math.Clamp(m, Lo, Hi);
        }
    }

    /// <summary>max |x| over the interval (the magnitude); NaN when empty.</summary>
    public double Mag => IsEmpty ? double.NaN : Math.Max(Math.Abs(Lo), Math.Abs(Hi));

    /// <summary>min |x| over the interval (the mignitude); NaN when empty.</summary>
    public double Mig => IsEmpty ? double.NaN : Lo > 0 ? Lo : Hi < 0 ? -Hi : 0.0;

    public bool Contains(double x) => Lo <= x && x <= Hi;

    /// <summary>This ⊆ <paramref name="other"/>; the empty set is a subset of everything.</summary>
    public bool IsSubsetOf(Interval other) => IsEmpty || (other.Lo <= Lo && Hi <= other.Hi);

    /// <summary>
    /// This lies in the interior of <paramref name="other"/>: other.Lo &lt; Lo and Hi &lt; other.Hi, where an
    /// infinite bound of <paramref name="other"/> counts as interior (IEEE 1788 "interior").
    /// </summary>
    public bool IsInteriorOf(Interval other) =>
        IsEmpty || ((other.Lo < Lo || double.IsNegativeInfinity(other.Lo)) && (Hi < other.Hi || double.IsPositiveInfinity(other.Hi)));

    /// <summary>The two intervals share at least one point.</summary>
    public bool Overlaps(Interval other) => !IsEmpty && !other.IsEmpty && Lo <= other.Hi && other.Lo <= Hi;

    public static Interval Hull(Interval a, Interval b)
    {
        if (a.IsEmpty) return b;
        if (b.IsEmpty) return a;
        return new Interval(Math.Min(a.Lo, b.Lo), Math.Max(a.Hi, b.Hi), false);
    }

    public static Interval Intersect(Interval a, Interval b)
    {
        double lo = Math.Max(a.Lo, b.Lo), hi = Math.Min(a.Hi, b.Hi);
        return lo <= hi ? new Interval(lo, hi, false) : Empty;
    }

    /// <summary>Splits at the midpoint into [Lo, m] and [m, Hi].</summary>
    public (Interval Left, Interval Right) Bisect()
    {
        if (IsEmpty) return (Empty, Empty);
        double m = Midpoint;
        return (new Interval(Lo, m, false), new Interval(m, Hi, false));
    }

    // ---- arithmetic -------------------------------------------------------------------------

    public static Interval operator +(Interval a, Interval b)
    {
        if (a.IsEmpty || b.IsEmpty) return Empty;
        return new Interval(AddDown(a.Lo, b.Lo), AddUp(a.Hi, b.Hi), false);
    }

    public static Interval operator -(Interval a, Interval b)
    {
        if (a.IsEmpty || b.IsEmpty) return Empty;
        return new Interval(SubDown(a.Lo, b.Hi), SubUp(a.Hi, b.Lo), false);
    }

    public static Interval operator -(Interval a) => a.IsEmpty ? a : new Interval(-a.Hi, -a.Lo, false);

    public static Interval operator *(Interval a, Interval b)
    {
        if (a.IsEmpty || b.IsEmpty) return Empty;
        double lo = Math.Min(Math.Min(MulDown(a.Lo, b.Lo), MulDown(a.Lo, b.Hi)), Math.Min(MulDown(a.Hi, b.Lo), MulDown(a.Hi, b.Hi)));
        double hi = Math.Max(Math.Max(MulUp(a.Lo, b.Lo), MulUp(a.Lo, b.Hi)), Math.Max(MulUp(a.Hi, b.Lo), MulUp(a.Hi, b.Hi)));
        return new Interval(lo, hi, false);
    }

    /// <summary>A point times an interval: two products instead of four.</summary>
    public static Interval operator *(double s, Interval a)
    {
        if (a.IsEmpty) return Empty;
        if (double.IsNaN(s)) return Entire;
        return s >= 0
            ? new Interval(MulDown(s, a.Lo), MulUp(s, a.Hi), false)
            : new Interval(MulDown(s, a.Hi), MulUp(s, a.Lo), false);
    }

    public static Interval operator *(Interval a, double s) => s * a;

    public static Interval operator +(Interval a, double s) => a + Point(s);
    public static Interval operator +(double s, Interval a) => Point(s) + a;
    public static Interval operator -(Interval a, double s) => a - Point(s);
    public static Interval operator -(double s, Interval a) => Point(s) - a;

    public static Interval operator /(Interval a, Interval b)
    {
        if (a.IsEmpty || b.IsEmpty) return Empty;
        if (b.Lo == 0 && b.Hi == 0) return Empty;
        if (b.Lo <= 0 && b.Hi >= 0) return Entire;
        double lo = Math.Min(Math.Min(DivDown(a.Lo, b.Lo), DivDown(a.Lo, b.Hi)), Math.Min(DivDown(a.Hi, b.Lo), DivDown(a.Hi, b.Hi)));
        double hi = Math.Max(Math.Max(DivUp(a.Lo, b.Lo), DivUp(a.Lo, b.Hi)), Math.Max(DivUp(a.Hi, b.Lo), DivUp(a.Hi, b.Hi)));
        return new Interval(lo, hi, false);
    }

    public static Interval operator /(Interval a, double s) => a / Point(s);
    public static Interval operator /(double s, Interval a) => Point(s) / a;

    public static bool operator ==(Interval a, Interval b) => a.Equals(b);
    public static bool operator !=(Interval a, Interval b) => !a.Equals(b);

    // ---- elementary functions ---------------------------------------------------------------

    /// <summary>{x² : x ∈ a}, tight (not a·a, which would be [−1, 1] for [−1, 1]).</summary>
    public static Interval Sqr(Interval a)
    {
        if (a.IsEmpty) return a;
        double mig = a.Mig, mag = a.Mag;
        return new Interval(MulDown(mig, mig), MulUp(mag, mag), false);
    }

    /// <summary>{xⁿ : x ∈ a} for an integer n, tight: even powers use the mignitude and magnitude, odd powers are monotone; x⁰ = 1.</summary>
    public static Interval Pow(Interval a, int n)
    {
        if (a.IsEmpty) return a;
        if (n == 0) return Point(1.0);
        if (n < 0) return Point(1.0) / Pow(a, -n);
        if (n == 1) return a;
        if ((n & 1) == 0)
            return new Interval(PowBound(a.Mig, n, up: false), PowBound(a.Mag, n, up: true), false);
        return new Interval(PowBound(a.Lo, n, up: false), PowBound(a.Hi, n, up: true), false);
    }

    // x^n for a double x, rounded down or up, by binary exponentiation in interval arithmetic.
    private static double PowBound(double x, int n, bool up)
    {
        if (double.IsInfinity(x))
            return x > 0 || (n & 1) == 0 ? double.PositiveInfinity : double.NegativeInfinity;
        Interval result = Point(1.0), b = Point(x);
        int e = n;
        while (e > 0)
        {
            if ((e & 1) != 0) result *= b;
            e >>= 1;
            if (e > 0) b = b.Lo >= 0 ? b * b : Sqr(b);
        }
        return up ? result.Hi : result.Lo;
    }

    public static Interval Abs(Interval a)
    {
        if (a.IsEmpty) return a;
        return new Interval(a.Mig, a.Mag, false);
    }

    /// <summary>√ over the part of a that is ≥ 0 (empty when a &lt; 0).</summary>
    public static Interval Sqrt(Interval a)
    {
        if (a.IsEmpty || a.Hi < 0) return Empty;
        return new Interval(SqrtDown(Math.Max(a.Lo, 0.0)), SqrtUp(a.Hi), false);
    }

    /// <summary>exp, padded by <see cref="TranscendentalPaddingUlps"/>; the lower bound is ≥ 0.</summary>
    public static Interval Exp(Interval a)
    {
        if (a.IsEmpty) return a;
        double lo = Math.Max(0.0, PadDown(Math.Exp(a.Lo), TranscendentalPaddingUlps));
        double hi = PadUp(Math.Exp(a.Hi), TranscendentalPaddingUlps);
        return new Interval(lo, Math.Max(lo, hi), false);
    }

    /// <summary>Natural logarithm over the part of a that is &gt; 0 (empty when a ≤ 0), padded by <see cref="TranscendentalPaddingUlps"/>.</summary>
    public static Interval Log(Interval a)
    {
        if (a.IsEmpty || a.Hi <= 0) return Empty;
        double lo = a.Lo <= 0 ? double.NegativeInfinity : PadDown(Math.Log(a.Lo), TranscendentalPaddingUlps);
        double hi = PadUp(Math.Log(a.Hi), TranscendentalPaddingUlps);
        return new Interval(lo, hi, false);
    }

    /// <summary>tanh (monotone), padded by <see cref="TranscendentalPaddingUlps"/> and clipped to [−1, 1].</summary>
    public static Interval Tanh(Interval a)
    {
        if (a.IsEmpty) return a;
        double lo = Math.Max(-1.0, PadDown(Math.Tanh(a.Lo), TranscendentalPaddingUlps));
        double hi = Math.Min(1.0, PadUp(Math.Tanh(a.Hi), TranscendentalPaddingUlps));
        return new Interval(lo, hi, false);
    }

    /// <summary>The logistic function 1/(1 + e^(−x)) (monotone), each bound evaluated in interval arithmetic and clipped to [0, 1].</summary>
    public static Interval Logistic(Interval a)
    {
        if (a.IsEmpty) return a;
        return new Interval(LogisticAt(a.Lo).Lo, LogisticAt(a.Hi).Hi, false);
    }

    private static Interval LogisticAt(double x)
    {
        if (double.IsNegativeInfinity(x)) return Point(0.0);
        if (double.IsPositiveInfinity(x)) return Point(1.0);
        Interval s = Point(1.0) / (Point(1.0) + Exp(Point(-x)));
        return Intersect(s, new Interval(0.0, 1.0, false));
    }

    /// <summary>softplus log(1 + eˣ) (monotone), each bound evaluated in interval arithmetic in the overflow-free form x⁺ + log(1 + e^(−|x|)).</summary>
    public static Interval Softplus(Interval a)
    {
        if (a.IsEmpty) return a;
        return new Interval(Math.Max(0.0, SoftplusAt(a.Lo).Lo), SoftplusAt(a.Hi).Hi, false);
    }

    private static Interval SoftplusAt(double x)
    {
        if (double.IsNegativeInfinity(x)) return Point(0.0);
        if (double.IsPositiveInfinity(x)) return new Interval(double.MaxValue, double.PositiveInfinity, false);
        Interval tail = Log(Point(1.0) + Exp(Point(-Math.Abs(x))));
        return x > 0 ? Point(x) + tail : tail;
    }

    /// <summary>Largest |x| for which sin and cos use period reduction; beyond it they return [−1, 1].</summary>
    private const double TrigReductionLimit = 1e6;

    /// <summary>Slack, in periods, when deciding whether an extremum lies in the interval; errs towards including it.</summary>
    private const double TrigSlack = 1e-6;

    /// <summary>sin with the extrema π/2 + 2kπ (max) and −π/2 + 2kπ (min) located with a safety slack; padded by <see cref="TranscendentalPaddingUlps"/>.</summary>
    public static Interval Sin(Interval a) => Trig(a, Math.Sin, Math.PI / 2);

    /// <summary>cos with the extrema 2kπ (max) and π + 2kπ (min) located with a safety slack; padded by <see cref="TranscendentalPaddingUlps"/>.</summary>
    public static Interval Cos(Interval a) => Trig(a, Math.Cos, 0.0);

    // f is sin or cos; its maxima lie at phase + 2kπ and its minima at phase + π + 2kπ.
    private static Interval Trig(Interval a, Func<double, double> f, double phase)
    {
        if (a.IsEmpty) return a;
        var whole = new Interval(-1.0, 1.0, false);
        if (!a.IsFinite || Math.Max(Math.Abs(a.Lo), Math.Abs(a.Hi)) > TrigReductionLimit || a.Hi - a.Lo >= 2 * Math.PI) return whole;
        double fl = f(a.Lo), fh = f(a.Hi);
        double lo = PadDown(Math.Min(fl, fh), TranscendentalPaddingUlps);
        double hi = PadUp(Math.Max(fl, fh), TranscendentalPaddingUlps);
        // extrema at phase + kπ: k even is a maximum, k odd a minimum
        long kMin = (long)Math.Ceiling((a.Lo - phase) / Math.PI - TrigSlack);
        long kMax = (long)Math.Floor((a.Hi - phase) / Math.PI + TrigSlack);
        for (long k = kMin; k <= kMax; k++)
        {
            if ((k & 1) == 0) hi = 1.0;
            else lo = -1.0;
        }
        return new Interval(Math.Max(-1.0, lo), Math.Min(1.0, hi), false);
    }

    /// <summary>x^p for a real exponent over the part of a that is ≥ 0 (monotone in x), padded by <see cref="TranscendentalPaddingUlps"/>.</summary>
    public static Interval Pow(Interval a, double p)
    {
        if (double.IsNaN(p)) throw new ArgumentOutOfRangeException(nameof(p), p, "must not be NaN");
        if (a.IsEmpty || a.Hi < 0) return Empty;
        double lo = Math.Max(a.Lo, 0.0), hi = a.Hi;
        if (p == 0) return Point(1.0);
        if (p < 0 && hi == 0) return Empty;
        double vLo = Math.Pow(lo, p), vHi = Math.Pow(hi, p);
        if (p < 0) (vLo, vHi) = (vHi, vLo);
        return new Interval(Math.Max(0.0, PadDown(vLo, TranscendentalPaddingUlps)), PadUp(vHi, TranscendentalPaddingUlps), false);
    }

    // ---- equality and text ------------------------------------------------------------------

    public bool Equals(Interval other) => (IsEmpty && other.IsEmpty) || (Lo == other.Lo && Hi == other.Hi);
    public override bool Equals(object? obj) => obj is Interval other && Equals(other);
    public override int GetHashCode() => IsEmpty ? 0 : HashCode.Combine(Lo, Hi);

    /// <summary>[lo, hi] with round-trip numbers; "[empty]" for the empty set.</summary>
    public override string ToString() =>
        IsEmpty ? "[empty]" : $"[{Lo.ToString("R", CultureInfo.InvariantCulture)}, {Hi.ToString("R", CultureInfo.InvariantCulture)}]";
}
