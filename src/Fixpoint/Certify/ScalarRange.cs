using System.Numerics;

namespace Fixpoint.Certify;

/// <summary>
/// A smooth scalar function with the three rigorous ingredients that <see cref="Range"/> needs to
/// enclose its range tightly over an interval: an enclosure at a point, any enclosure over an
/// interval, and an enclosure of its derivative over an interval. <see cref="SplitPoints"/> are
/// approximate critical points: they only guide where to cut, so an inaccurate or missing hint
/// costs tightness or time, never correctness.
/// </summary>
internal abstract class ScalarFunction
{
    /// <summary>Bisection depth below a piece that still contains a possible critical point.</summary>
    private const int MaxDepth = 40;

    /// <summary>Pieces narrower than this fraction of the argument's width are enclosed by the centred form.</summary>
    private const double MinRelativeWidth = 1e-7;

    /// <summary>Half-width, relative to max(1, |c|), of the guard piece around an approximate critical point c.</summary>
    private const double GuardRelative = 1.0 / (1L << 30);

    public abstract Interval AtPoint(double x);

    public abstract Interval Naive(Interval x);

    /// <summary>An enclosure of f′ over x.</summary>
    public abstract Interval Slope(Interval x);

    /// <summary>An enclosure of f′ at a point.</summary>
    public abstract Interval SlopeAt(double x);

    /// <summary>An enclosure of f″ over x.</summary>
    public abstract Interval Curvature(Interval x);

    /// <summary>Sorted approximate critical points (zeros of f′) and inflection points (zeros of f″).</summary>
    protected abstract double[] SplitPoints { get; }

    /// <summary>
    /// An enclosure of {f(x) : x ∈ X}. X is cut at the approximate critical and inflection points;
    /// a guard piece of half-width 2⁻³⁰·max(1, |c|) around each is enclosed by the centred form, whose
    /// error there is of order f″·2⁻⁶⁰. On the other pieces f′ is enclosed from both ends,
    /// f′(P) ⊆ f′(l) + f″(P)[0, w] and f′(r) − f″(P)[0, w] (intersected with <see cref="Slope"/>); when that
    /// excludes 0, f is monotone there and the range is spanned by the two end values. Pieces where
    /// the test fails are bisected down to a small width and then enclosed by the centred form.
    /// </summary>
    public Interval Range(Interval x)
    {
        if (x.IsEmpty) return x;
        if (x.IsPoint) return AtPoint(x.Lo);
        if (!x.IsFinite) return Naive(x);
        double minWidth = Math.Max((x.Hi - x.Lo) * MinRelativeWidth, 1e-300);
        Interval result = Interval.Empty;
        double cur = x.Lo;
        foreach (double c in SplitPoints)
        {
            double eta = GuardRelative * Math.Max(1.0, Math.Abs(c));
            double gl = c - eta, gr = c + eta;
            if (gr <= cur) continue;
            if (gl >= x.Hi) break;
            gl = Math.Max(gl, cur);
            gr = Math.Min(gr, x.Hi);
            if (gl > cur) result = Interval.Hull(result, Piece(Interval.UnsafeCreate(cur, gl), 0, minWidth));
            result = Interval.Hull(result, Centred(Interval.UnsafeCreate(gl, gr)));
            cur = gr;
        }
        if (cur < x.Hi) result = Interval.Hull(result, Piece(Interval.UnsafeCreate(cur, x.Hi), 0, minWidth));
        return result;
    }

    private Interval Piece(Interval p, int depth, double minWidth)
    {
        if (IsMonotone(p)) return Interval.Hull(AtPoint(p.Lo), AtPoint(p.Hi));
        if (depth >= MaxDepth || p.Hi - p.Lo <= minWidth) return Centred(p);
        (Interval left, Interval right) = p.Bisect();
        return Interval.Hull(Piece(left, depth + 1, minWidth), Piece(right, depth + 1, minWidth));
    }

    /// <summary>
    /// True when f′ provably keeps one sign on p (zero allowed), so that f is monotone there: f′ is
    /// enclosed by <see cref="Slope"/> and, from either end, by f′(l) + f″(p)[0, w] and f′(r) − f″(p)[0, w].
    /// </summary>
    protected virtual bool IsMonotone(Interval p)
    {
        Interval d = Slope(p);
        if (d.Lo >= 0 || d.Hi <= 0) return true;
        Interval curv = Curvature(p);
        Interval span = Interval.UnsafeCreate(0.0, Rounding.SubUp(p.Hi, p.Lo));
        d = Interval.Intersect(d, SlopeAt(p.Lo) + curv * span);
        d = Interval.Intersect(d, SlopeAt(p.Hi) - curv * span);
        return d.IsEmpty || d.Lo >= 0 || d.Hi <= 0;
    }

    /// <summary>f(m) + f′(P)(P − m), intersected with the naive enclosure.</summary>
    private Interval Centred(Interval p)
    {
        double m = p.Midpoint;
        Interval centred = AtPoint(m) + Slope(p) * (p - m);
        Interval both = Interval.Intersect(centred, Naive(p));
        return both.IsEmpty ? centred : both;
    }
}

/// <summary>
/// A polynomial with interval coefficients in ascending order, evaluated in interval arithmetic.
/// Coefficients are intervals so that derived polynomials (p′ = Σ i·c_i z^(i−1), products, sums)
/// enclose the exact ones even though i·c_i is not representable in general.
/// </summary>
internal sealed class IntervalPolynomial : ScalarFunction
{
    private readonly Interval[] _c;
    private readonly double[] _split;

    public IntervalPolynomial(IReadOnlyList<double> ascending) : this(ascending.Select(Interval.Point).ToArray())
    {
    }

    public IntervalPolynomial(Interval[] ascending)
    {
        _c = Trim(ascending);
        Interval[] d1 = Derivative(_c);
        _split = [.. RealRoots(d1).Concat(RealRoots(Derivative(d1))).Order().Distinct()];
        // the chain of derivatives ends at the zero polynomial, which is its own derivative
        DerivativePolynomial = _c.Length == 1 && _c[0] == Interval.Point(0.0) ? this : new IntervalPolynomial(d1);
    }

    public IReadOnlyList<Interval> Coefficients => _c;

    public int Degree => _c.Length - 1;

    /// <summary>p′ as an interval polynomial.</summary>
    public IntervalPolynomial DerivativePolynomial { get; }

    protected override double[] SplitPoints => _split;

    /// <summary>Horner's scheme in interval arithmetic: rigorous, tight for narrow arguments.</summary>
    public Interval Horner(Interval x)
    {
        Interval acc = _c[^1];
        for (int i = _c.Length - 2; i >= 0; i--) acc = acc * x + _c[i];
        return acc;
    }

    public override Interval AtPoint(double x) => Horner(Interval.Point(x));

    public override Interval Naive(Interval x) => Horner(x);

    public override Interval SlopeAt(double x) => DerivativePolynomial.AtPoint(x);

    public override Interval Curvature(Interval x) => DerivativePolynomial.DerivativePolynomial.Horner(x);

    /// <summary>p′ over x: Horner form intersected with the centred form p′(m) + p″(x)(x − m).</summary>
    public override Interval Slope(Interval x)
    {
        IntervalPolynomial d = DerivativePolynomial;
        Interval naive = d.Horner(x);
        if (!x.IsFinite || d.Degree < 1) return naive;
        double m = x.Midpoint;
        Interval centred = d.AtPoint(m) + d.DerivativePolynomial.Horner(x) * (x - m);
        Interval both = Interval.Intersect(naive, centred);
        return both.IsEmpty ? naive : both;
    }

    internal static Interval[] Trim(IReadOnlyList<Interval> c)
    {
        int n = c.Count;
        while (n > 1 && c[n - 1] == Interval.Point(0.0)) n--;
        var r = new Interval[Math.Max(n, 1)];
        for (int i = 0; i < n; i++) r[i] = c[i];
        return r;
    }

    /// <summary>Σ i·c_i z^(i−1), each i·c_i enclosed by outward rounding.</summary>
    internal static Interval[] Derivative(IReadOnlyList<Interval> c)
    {
        if (c.Count <= 1) return [Interval.Point(0.0)];
        var d = new Interval[c.Count - 1];
        for (int i = 1; i < c.Count; i++) d[i - 1] = (double)i * c[i];
        return d;
    }

    internal static Interval[] Product(IReadOnlyList<Interval> a, IReadOnlyList<Interval> b)
    {
        var r = new Interval[a.Count + b.Count - 1];
        for (int i = 0; i < a.Count; i++)
            for (int j = 0; j < b.Count; j++)
                r[i + j] += a[i] * b[j];
        return r;
    }

    internal static Interval[] Sum(IReadOnlyList<Interval> a, IReadOnlyList<Interval> b)
    {
        var r = new Interval[Math.Max(a.Count, b.Count)];
        for (int i = 0; i < a.Count; i++) r[i] += a[i];
        for (int i = 0; i < b.Count; i++) r[i] += b[i];
        return r;
    }

    /// <summary>
    /// Approximate real roots of the midpoint polynomial (companion-matrix eigenvalues, then Newton
    /// polishing), sorted. Roots with a small imaginary part are kept as well: they are only cutting hints.
    /// </summary>
    internal static double[] RealRoots(IReadOnlyList<Interval> ascending)
    {
        double[] c = [.. Trim(ascending).Select(x => x.Midpoint)];
        if (c.Length <= 1) return [];
        Complex[] roots;
        if (c.Length == 2) roots = [new Complex(-c[0] / c[1], 0)];
        else
        {
            try { roots = new MathNet.Numerics.Polynomial(c).Roots(); }
            catch (Exception e) when (e is ArithmeticException or ArgumentException or InvalidOperationException) { return []; }
        }
        var d = new double[c.Length - 1];
        for (int i = 1; i < c.Length; i++) d[i - 1] = i * c[i];
        var real = new List<double>();
        foreach (Complex z in roots)
        {
            if (!double.IsFinite(z.Real) || Math.Abs(z.Imaginary) > 1e-6 * (1 + Math.Abs(z.Real))) continue;
            double r = z.Real;
            for (int it = 0; it < 8; it++)
            {
                double dv = Eval(d, r);
                if (dv == 0) break;
                double step = Eval(c, r) / dv;
                if (!double.IsFinite(step)) break;
                r -= step;
            }
            if (double.IsFinite(r)) real.Add(r);
        }
        real.Sort();
        return [.. real.Distinct()];
    }

    private static double Eval(ReadOnlySpan<double> ascending, double x)
    {
        double acc = 0;
        for (int i = ascending.Length - 1; i >= 0; i--) acc = acc * x + ascending[i];
        return acc;
    }
}

/// <summary>h(z) = exp(p(z))·p′(z), the derivative of exp(p(z)) − 1; h′ = exp(p)·(p″ + p′²).</summary>
internal sealed class ExpPolynomialSlope : ScalarFunction
{
    private readonly IntervalPolynomial _p;
    private readonly IntervalPolynomial _dp;
    private readonly IntervalPolynomial _q; // p″ + p′², the sign of h′
    private readonly IntervalPolynomial _r; // p′q + q′: h″ = exp(p)·r
    private readonly double[] _split;

    public ExpPolynomialSlope(IntervalPolynomial p)
    {
        _p = p;
        _dp = p.DerivativePolynomial;
        Interval[] dp = [.. _dp.Coefficients];
        Interval[] q = IntervalPolynomial.Sum(IntervalPolynomial.Derivative(dp), IntervalPolynomial.Product(dp, dp));
        Interval[] r = IntervalPolynomial.Sum(IntervalPolynomial.Product(dp, q), IntervalPolynomial.Derivative(q));
        _q = new IntervalPolynomial(q);
        _r = new IntervalPolynomial(r);
        _split = [.. IntervalPolynomial.RealRoots(q).Concat(IntervalPolynomial.RealRoots(r)).Order().Distinct()];
    }

    protected override double[] SplitPoints => _split;

    public override Interval AtPoint(double x)
    {
        Interval ix = Interval.Point(x);
        return Interval.Exp(_p.Horner(ix)) * _dp.Horner(ix);
    }

    public override Interval Naive(Interval x) => Interval.Exp(_p.Horner(x)) * _dp.Horner(x);

    public override Interval Slope(Interval x) => Interval.Exp(_p.Horner(x)) * _q.Horner(x);

    public override Interval SlopeAt(double x)
    {
        Interval ix = Interval.Point(x);
        return Interval.Exp(_p.Horner(ix)) * _q.Horner(ix);
    }

    public override Interval Curvature(Interval x) => Interval.Exp(_p.Horner(x)) * _r.Horner(x);

    /// <summary>h′ = exp(p)·q has the sign of the polynomial q, whose tight range decides it without the exp factor's overestimation.</summary>
    protected override bool IsMonotone(Interval x)
    {
        Interval s = _q.Range(x);
        return s.Lo >= 0 || s.Hi <= 0;
    }
}
