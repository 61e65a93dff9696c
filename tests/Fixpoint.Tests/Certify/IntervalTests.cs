using Fixpoint.Certify;
using Fixpoint.Numerics;

namespace Fixpoint.Tests.Certify;

/// <summary>
/// Interval arithmetic: IEEE 1788-style known answers, the written invariants, and the inclusion
/// property on seeded random boxes: for points inside the arguments, the exact result (dyadic
/// arithmetic) or the math library's value lies in the interval result.
/// </summary>
public class IntervalTests
{
    private const int Cases = 2000;

    internal static Interval RandomInterval(Rng rng, double centerScale = 5)
    {
        double scale = Math.Pow(10, rng.Uniform(-3, 3)) * (rng.NextDouble() < 0.5 ? 1 : centerScale / 5);
        double c = rng.Uniform(-centerScale, centerScale) * (rng.NextDouble() < 0.2 ? scale : 1);
        double kind = rng.NextDouble();
        if (kind < 0.1) return Interval.Point(c);
        if (kind < 0.25) return new Interval(-rng.Uniform(0, 3), rng.Uniform(0, 3)); // straddles 0
        double w = Math.Pow(10, rng.Uniform(-15, 1)) * Math.Max(1, Math.Abs(c));
        return new Interval(c, c + w);
    }

    internal static IEnumerable<double> PointsIn(Rng rng, Interval x)
    {
        yield return x.Lo;
        yield return x.Hi;
        for (int i = 0; i < 3; i++) yield return Math.Clamp(x.Lo + (x.Hi - x.Lo) * rng.NextDouble(), x.Lo, x.Hi);
    }

    [Fact]
    public void KnownAnswers()
    {
        var a = new Interval(1, 2);
        var b = new Interval(3, 4);
        Assert.Equal(new Interval(4, 6), a + b);
        Assert.Equal(new Interval(-3, -1), a - b);
        Assert.Equal(new Interval(-6, 8), new Interval(-1, 2) * new Interval(-3, 4));
        Assert.Equal(new Interval(0.125, 0.5), a / new Interval(4, 8));
        Assert.Equal(new Interval(0, 4), Interval.Sqr(new Interval(-1, 2)));
        Assert.Equal(new Interval(-2, 4), new Interval(-1, 2) * new Interval(-1, 2)); // a·a is not a square
        Assert.Equal(new Interval(-8, 1), Interval.Pow(new Interval(-2, 1), 3));
        Assert.Equal(new Interval(0, 16), Interval.Pow(new Interval(-2, 1), 4));
        Assert.Equal(new Interval(1, 1), Interval.Pow(new Interval(-2, 1), 0));
        Assert.Equal(new Interval(2, 3), Interval.Sqrt(new Interval(4, 9)));
        Assert.Equal(new Interval(0, 3), Interval.Abs(new Interval(-3, 2)));
        Assert.True((a / new Interval(0, 0)).IsEmpty);
        Assert.Equal(Interval.Entire, a / new Interval(-1, 1));
        Assert.Equal(new Interval(0, 0), Interval.Point(0) * Interval.Entire);
        Assert.True(Interval.Sqrt(new Interval(-2, -1)).IsEmpty);
        Assert.True(Interval.Log(new Interval(-2, 0)).IsEmpty);
        Assert.Equal(double.NegativeInfinity, Interval.Log(new Interval(0, 1)).Lo);
        // 0.1 + 0.2: the exact sum lies strictly between two doubles, and the result is exactly those two
        Interval s = Interval.Point(0.1) + Interval.Point(0.2);
        Assert.Equal(Math.BitDecrement(0.1 + 0.2), s.Lo);
        Assert.Equal(0.1 + 0.2, s.Hi);
        Assert.True(Dyadic.From(0.1) + Dyadic.From(0.2) > Dyadic.From(s.Lo));
    }

    [Fact]
    public void EmptyPropagatesAndInvariantsAreChecked()
    {
        Interval e = Interval.Empty;
        Assert.True(e.IsEmpty);
        Assert.Equal(double.PositiveInfinity, e.Lo);
        Assert.Equal(double.NegativeInfinity, e.Hi);
        Assert.True((e + new Interval(1, 2)).IsEmpty);
        Assert.True((new Interval(1, 2) * e).IsEmpty);
        Assert.True(Interval.Exp(e).IsEmpty);
        Assert.True(Interval.Sin(e).IsEmpty);
        Assert.True(double.IsNaN(e.Width));
        Assert.True(double.IsNaN(e.Midpoint));
        Assert.True(Interval.Intersect(new Interval(0, 1), new Interval(2, 3)).IsEmpty);
        Assert.Equal(new Interval(0, 3), Interval.Hull(new Interval(0, 1), new Interval(2, 3)));
        Assert.Equal(Interval.Point(0), default);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Interval(double.NaN, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Interval(0, double.NaN));
        Assert.Throws<ArgumentException>(() => new Interval(2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Interval(double.PositiveInfinity, double.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => Interval.Point(double.PositiveInfinity));
        Interval unsafeOne = Interval.UnsafeCreate(1, 2); // no check, same value
        Assert.Equal(new Interval(1, 2), unsafeOne);
    }

    [Fact]
    public void SetRelationsFollowTheirDefinitions()
    {
        var x = new Interval(1, 2);
        Assert.True(x.IsSubsetOf(new Interval(1, 3)));
        Assert.False(x.IsInteriorOf(new Interval(1, 3)));
        Assert.True(x.IsInteriorOf(new Interval(0.5, 3)));
        Assert.True(x.IsInteriorOf(Interval.Entire));
        Assert.True(Interval.Empty.IsSubsetOf(x));
        Assert.True(x.Contains(1) && x.Contains(2) && !x.Contains(2.0000001));
        Assert.Equal(1.5, x.Midpoint);
        Assert.Equal(1, x.Width);
        Assert.Equal(0.5, x.Radius);
        Assert.Equal(0, Interval.Entire.Midpoint);
        Assert.Equal(3, new Interval(-3, 2).Mag);
        Assert.Equal(0, new Interval(-3, 2).Mig);
        Assert.Equal(2, new Interval(-3, -2).Mig);
        (Interval l, Interval r) = x.Bisect();
        Assert.Equal(new Interval(1, 1.5), l);
        Assert.Equal(new Interval(1.5, 2), r);
    }

    [Fact]
    public void BoxSubtractionLeavesSlabsThatCoverTheRest()
    {
        Interval[] a = IntervalVector.Cube(2, 0, 4);
        Interval[] b = [new Interval(1, 2), new Interval(-1, 3)];
        List<Interval[]> pieces = IntervalVector.Subtract(a, b);
        Assert.Equal(3, pieces.Count); // left of b, right of b, above b
        Assert.All(pieces, p => Assert.False(IntervalVector.InteriorsOverlap(p, b)));
        Assert.All(pieces, p => Assert.True(IntervalVector.IsSubsetOf(p, a)));
        double area = pieces.Sum(p => IntervalVector.Volume(p)) + IntervalVector.Volume(IntervalVector.Intersect(a, b));
        Assert.Equal(16, area, 12);
        Assert.Single(IntervalVector.Subtract(a, [new Interval(5, 6), new Interval(0, 1)]));
    }

    [Fact]
    public void AdditionSubtractionAndMultiplicationContainTheExactResult()
    {
        var rng = new Rng(11);
        for (int c = 0; c < Cases; c++)
        {
            Interval x = RandomInterval(rng), y = RandomInterval(rng);
            Interval sum = x + y, diff = x - y, prod = x * y;
            foreach (double a in PointsIn(rng, x))
                foreach (double b in PointsIn(rng, y).Take(3))
                {
                    Dyadic da = Dyadic.From(a), db = Dyadic.From(b);
                    Assert.True((da + db).In(sum), $"{a} + {b} ∉ {sum}");
                    Assert.True((da - db).In(diff), $"{a} − {b} ∉ {diff}");
                    Assert.True((da * db).In(prod), $"{a} × {b} ∉ {prod}");
                }
            double s = rng.Uniform(-10, 10);
            Interval scaled = s * x;
            foreach (double a in PointsIn(rng, x)) Assert.True((Dyadic.From(s) * Dyadic.From(a)).In(scaled));
        }
    }

    [Fact]
    public void DivisionAndSquareRootContainTheExactResult()
    {
        var rng = new Rng(12);
        for (int c = 0; c < Cases; c++)
        {
            Interval x = RandomInterval(rng), y = RandomInterval(rng);
            Interval q = x / y;
            foreach (double a in PointsIn(rng, x))
                foreach (double b in PointsIn(rng, y).Take(3))
                {
                    if (b == 0) continue;
                    // a/b ∈ [lo, hi]  ⇔  lo·b ≤ a ≤ hi·b (b > 0), reversed for b < 0
                    Dyadic da = Dyadic.From(a), db = Dyadic.From(b);
                    bool ok = (double.IsNegativeInfinity(q.Lo) || (b > 0 ? Dyadic.From(q.Lo) * db <= da : Dyadic.From(q.Lo) * db >= da))
                           && (double.IsPositiveInfinity(q.Hi) || (b > 0 ? da <= Dyadic.From(q.Hi) * db : da >= Dyadic.From(q.Hi) * db));
                    Assert.True(ok, $"{a} / {b} ∉ {q}");
                }
            Interval nonneg = new(Math.Abs(x.Lo) < Math.Abs(x.Hi) ? Math.Abs(x.Lo) : Math.Abs(x.Hi), x.Mag);
            Interval r = Interval.Sqrt(nonneg);
            foreach (double a in PointsIn(rng, nonneg))
            {
                Dyadic da = Dyadic.From(a);
                Assert.True(Dyadic.From(r.Lo) * Dyadic.From(r.Lo) <= da && da <= Dyadic.From(r.Hi) * Dyadic.From(r.Hi), $"√{a} ∉ {r}");
            }
        }
    }

    [Fact]
    public void PowersSquaresAndAbsoluteValuesContainTheExactResult()
    {
        var rng = new Rng(13);
        for (int c = 0; c < Cases; c++)
        {
            Interval x = RandomInterval(rng, 3);
            int n = (int)(rng.NextDouble() * 8);
            Interval p = Interval.Pow(x, n), sq = Interval.Sqr(x), ab = Interval.Abs(x);
            foreach (double a in PointsIn(rng, x))
            {
                Dyadic da = Dyadic.From(a), pw = Dyadic.From(1);
                for (int i = 0; i < n; i++) pw *= da;
                Assert.True(pw.In(p), $"{a}^{n} ∉ {p}");
                Assert.True((da * da).In(sq), $"{a}² ∉ {sq}");
                Assert.True(Dyadic.From(Math.Abs(a)).In(ab));
            }
        }
    }

    [Fact]
    public void ElementaryFunctionsContainTheLibraryValue()
    {
        var rng = new Rng(14);
        for (int c = 0; c < Cases; c++)
        {
            Interval x = RandomInterval(rng, 20);
            if (rng.NextDouble() < 0.2) x = new Interval(x.Lo, x.Lo + rng.Uniform(0, 10)); // wide, for the periodic functions
            Interval exp = Interval.Exp(x), tanh = Interval.Tanh(x), sin = Interval.Sin(x), cos = Interval.Cos(x);
            Interval logistic = Interval.Logistic(x), softplus = Interval.Softplus(x);
            Interval log = Interval.Log(x), pow = Interval.Pow(x, 0.37), powNeg = Interval.Pow(x, -1.3);
            foreach (double a in PointsIn(rng, x))
            {
                Assert.True(exp.Contains(Math.Exp(a)), $"exp {a} ∉ {exp}");
                Assert.True(tanh.Contains(Math.Tanh(a)), $"tanh {a} ∉ {tanh}");
                Assert.True(sin.Contains(Math.Sin(a)), $"sin {a} ∉ {sin} for {x}");
                Assert.True(cos.Contains(Math.Cos(a)), $"cos {a} ∉ {cos} for {x}");
                Assert.True(logistic.Contains(1.0 / (1.0 + Math.Exp(-a))), $"logistic {a} ∉ {logistic}");
                Assert.True(softplus.Contains(new Fixpoint.Maps.SoftplusActivation().Value(a)), $"softplus {a} ∉ {softplus}");
                if (a > 0)
                {
                    Assert.True(log.Contains(Math.Log(a)), $"log {a} ∉ {log}");
                    Assert.True(pow.Contains(Math.Pow(a, 0.37)), $"{a}^0.37 ∉ {pow}");
                    Assert.True(powNeg.Contains(Math.Pow(a, -1.3)), $"{a}^-1.3 ∉ {powNeg}");
                }
            }
        }
    }

    [Fact]
    public void PeriodicFunctionsFindTheirExtrema()
    {
        Assert.Equal(1.0, Interval.Sin(new Interval(0, Math.PI)).Hi);
        Assert.True(Interval.Sin(new Interval(0, Math.PI)).Lo <= 0);
        Assert.Equal(new Interval(-1, 1), Interval.Cos(new Interval(1, 7)));
        Assert.Equal(-1.0, Interval.Cos(new Interval(3, 3.5)).Lo);
        Interval narrow = Interval.Sin(new Interval(0.1, 0.2));
        Assert.True(narrow.Lo > 0.0998 && narrow.Hi < 0.1987, narrow.ToString());
        Assert.Equal(new Interval(-1, 1), Interval.Sin(new Interval(1e7, 1e7 + 1)));
    }

    [Fact]
    public void TranscendentalPaddingIsWhatTheDocumentationSays()
    {
        Assert.Equal(4, Interval.TranscendentalPaddingUlps);
        Interval e = Interval.Exp(Interval.Point(1.0));
        double ulp = Math.BitIncrement(Math.E) - Math.E;
        Assert.True(e.Width <= 9 * ulp, $"exp(1) enclosure {e} is wider than 2 × 4 ulps");
        Assert.True(e.Contains(Math.E));
    }
}
