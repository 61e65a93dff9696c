using Fixpoint.Certify;
using Fixpoint.Experiments;
using Fixpoint.Maps;
using Fixpoint.Numerics;

namespace Fixpoint.Tests.Certify;

/// <summary>
/// Interval extensions of every activation and of its derivative: inclusion on seeded random boxes
/// (exact dyadic references for polynomials, rigorous point enclosures for exp-polynomials, the
/// library's value otherwise) and tightness at the known extrema.
/// </summary>
public class IntervalActivationTests
{
    private const int Cases = 800;

    private static readonly string[] LibraryActivations =
        ["tanh", "logistic", "relu", "leaky-relu(0.1)", "leaky-relu(-0.3)", "softplus", "identity", "sin"];

    [Fact]
    public void EveryParsableActivationIsSupported()
    {
        foreach (Activation g in LibraryActivations.Concat(["polynomial(1,2,3)", "exp-polynomial(0.5,-1)"]).Select(Activation.Parse).Concat(PaperACase.All.Select(c => c.Activation)))
            Assert.True(IntervalActivation.IsSupported(g), g.Name);
    }

    [Fact]
    public void LibraryActivationsContainValueAndDerivative()
    {
        var rng = new Rng(21);
        foreach (string name in LibraryActivations)
        {
            Activation g = Activation.Parse(name);
            IntervalActivation ig = IntervalActivation.For(g);
            for (int c = 0; c < Cases; c++)
            {
                Interval z = IntervalTests.RandomInterval(rng, 6);
                Interval v = ig.Value(z), d = ig.Derivative(z);
                foreach (double x in IntervalTests.PointsIn(rng, z))
                {
                    // the library's own double formula (e.g. s·(1 − s)) carries its own rounding: 2 ulps allowed
                    Assert.True(WithinUlps(v, g.Value(x), 2), $"{name}({x}) = {g.Value(x)} ∉ {v} for {z}");
                    Assert.True(WithinUlps(d, g.Derivative(x), 2), $"{name}′({x}) = {g.Derivative(x)} ∉ {d} for {z}");
                    // the rigorous enclosure at the point must meet the box enclosure
                    Interval px = Interval.Point(x);
                    Assert.True(ig.Value(px).Overlaps(v) && ig.Derivative(px).Overlaps(d), $"{name} at {x}: point and box enclosures are disjoint");
                }
            }
        }
    }

    [Fact]
    public void PolynomialsContainTheExactValueAndDerivative()
    {
        var rng = new Rng(22);
        var polys = new List<(PolynomialActivation P, double Center)>
        {
            ((PolynomialActivation)PaperACase.Poly.Activation, PaperACase.Poly.Shift),
        };
        for (int k = 0; k < 12; k++)
        {
            int degree = 1 + (int)(rng.NextDouble() * 6);
            polys.Add((new PolynomialActivation([.. Enumerable.Range(0, degree + 1).Select(_ => rng.Uniform(-3, 3))]), rng.Uniform(-1, 1)));
        }
        foreach ((PolynomialActivation p, double center) in polys)
        {
            IntervalActivation ig = IntervalActivation.For(p);
            for (int c = 0; c < Cases / 4; c++)
            {
                Interval z = Shift(IntervalTests.RandomInterval(rng, 2), center);
                Interval v = ig.Value(z), d = ig.Derivative(z);
                foreach (double x in IntervalTests.PointsIn(rng, z))
                {
                    Assert.True(Dyadic.Polynomial(p.Coefficients, x).In(v), $"{p.Name} at {x} ∉ {v}");
                    Assert.True(Dyadic.PolynomialDerivative(p.Coefficients, x).In(d), $"{p.Name}′ at {x} ∉ {d}");
                }
            }
        }
    }

    [Fact]
    public void ExpPolynomialsContainTheValueAndDerivative()
    {
        var rng = new Rng(23);
        var cases = new List<(ExpPolynomialActivation P, double Center)>
        {
            ((ExpPolynomialActivation)PaperACase.Exp.Activation, PaperACase.Exp.Shift),
            (new ExpPolynomialActivation([0.1, -0.5, 0.2]), 0),
            (new ExpPolynomialActivation([-1, 0.3, 0.7, -0.2]), 0.5),
        };
        foreach ((ExpPolynomialActivation p, double center) in cases)
        {
            IntervalActivation ig = IntervalActivation.For(p);
            for (int c = 0; c < Cases / 3; c++)
            {
                Interval z = Shift(IntervalTests.RandomInterval(rng, 1.5), center);
                Interval v = ig.Value(z), d = ig.Derivative(z);
                foreach (double x in IntervalTests.PointsIn(rng, z))
                {
                    // rigorous enclosures at the point: exp of the exact polynomial value's bracket
                    Interval e = Interval.Exp(Dyadic.Polynomial(p.Coefficients, x).Bracket());
                    Interval vRef = e - Interval.Point(1.0);
                    Interval dRef = e * Dyadic.PolynomialDerivative(p.Coefficients, x).Bracket();
                    Assert.True(vRef.Overlaps(v), $"{p.Name} at {x}: {vRef} vs {v}");
                    Assert.True(dRef.Overlaps(d), $"{p.Name}′ at {x}: {dRef} vs {d}");
                    Assert.True(Near(v, p.Value(x)) && Near(d, p.Derivative(x)), $"{p.Name} at {x}: library value far outside");
                }
            }
        }
    }

    [Fact]
    public void KnownExtremaAreAttained()
    {
        Assert.Equal(1.0, IntervalActivation.For(new TanhActivation()).Derivative(new Interval(-1, 1)).Hi);
        Assert.Equal(0.25, IntervalActivation.For(new LogisticActivation()).Derivative(new Interval(-1, 2)).Hi);
        Assert.Equal(new Interval(0, 1), IntervalActivation.For(new ReluActivation()).Derivative(new Interval(-1, 2)));
        Assert.Equal(new Interval(0, 0), IntervalActivation.For(new ReluActivation()).Value(new Interval(-2, -1)));
        Assert.Equal(new Interval(-0.2, 3), IntervalActivation.For(new LeakyReluActivation(0.1)).Value(new Interval(-2, 3)));
        Assert.Equal(new Interval(0, 0.6), IntervalActivation.For(new LeakyReluActivation(-0.3)).Value(new Interval(-2, 0.6)));
        Assert.Equal(1.0, IntervalActivation.For(new SinActivation()).Value(new Interval(1, 2)).Hi);
    }

    /// <summary>
    /// SPEC, paper A case studies: the scalar maps y ↦ g(y + C) on the regions D1, D2, with their images and
    /// max |f′| (reference values from the closed forms −0.4y⁴ + 1.5y² and exp(y³ − 2y² + κ) − 1, κ = C³ + 2C² + ln 2).
    /// </summary>
    [Theory]
    [InlineData("ke2024-poly", 1.302, 1.502, 1.3481843807936005, 1.40625, 0.9156288128)]
    [InlineData("ke2024-poly", -0.3, 0.3, 0.0, 0.13176, 0.8568)]
    [InlineData("ke2024-exp", -1.01, -0.81, -0.9536126654567103, -0.8417958227990632, 0.8239748161156396)]
    [InlineData("ke2024-exp", -0.1, 0.1, -0.02100409513710577, -0.000227793491176298, 0.4209682390910446)]
    public void PaperARegionsAreEnclosedTightly(string name, double lo, double hi, double imageLo, double imageHi, double maxSlope)
    {
        Network net = PaperACase.Named(name).Create(1, 1.0);
        IntervalActivation g = IntervalActivation.For(net.Activation);
        Interval z = new Interval(lo, hi) + Interval.Point(net.Layers[0].Bias[0]);
        Interval v = g.Value(z);
        const double tol = 1e-10;
        Assert.InRange(v.Lo, imageLo - tol, imageLo + tol);
        Assert.InRange(v.Hi, imageHi - tol, imageHi + tol);
        Assert.InRange(g.Derivative(z).Mag, maxSlope - tol, maxSlope + tol);
    }

    [Fact]
    public void PolynomialRangesAreTightAgainstDenseSampling()
    {
        var rng = new Rng(24);
        for (int k = 0; k < 40; k++)
        {
            int degree = 2 + (int)(rng.NextDouble() * 5);
            var p = new PolynomialActivation([.. Enumerable.Range(0, degree + 1).Select(_ => rng.Uniform(-2, 2))]);
            IntervalActivation ig = IntervalActivation.For(p);
            double a = rng.Uniform(-2, 1), b = a + rng.Uniform(0.1, 2);
            Interval v = ig.Value(new Interval(a, b)), d = ig.Derivative(new Interval(a, b));
            double vMin = double.MaxValue, vMax = double.MinValue, dMin = double.MaxValue, dMax = double.MinValue;
            for (int i = 0; i <= 20000; i++)
            {
                double x = a + (b - a) * i / 20000;
                double pv = p.Value(x), dv = p.Derivative(x);
                vMin = Math.Min(vMin, pv); vMax = Math.Max(vMax, pv);
                dMin = Math.Min(dMin, dv); dMax = Math.Max(dMax, dv);
            }
            double scale = 1 + Math.Max(Math.Abs(vMin), Math.Abs(vMax)), dScale = 1 + Math.Max(Math.Abs(dMin), Math.Abs(dMax));
            // sampling misses the true extremum by O(h²); the enclosure may not be wider than that plus rounding
            Assert.True(v.Lo >= vMin - 1e-6 * scale && v.Hi <= vMax + 1e-6 * scale, $"{p.Name} on [{a}, {b}]: {v} vs [{vMin}, {vMax}]");
            Assert.True(d.Lo >= dMin - 1e-6 * dScale && d.Hi <= dMax + 1e-6 * dScale, $"{p.Name}′ on [{a}, {b}]: {d} vs [{dMin}, {dMax}]");
        }
    }

    [Fact]
    public void UnknownActivationSubclassesAreRejected()
    {
        Assert.Throws<NotSupportedException>(() => IntervalActivation.For(new CustomActivation()));
        Assert.False(IntervalActivation.IsSupported(new CustomActivation()));
    }

    private sealed record CustomActivation : Activation
    {
        public override string Name => "custom";
        public override double Value(double z) => z;
        public override double Derivative(double z) => 1;
    }

    private static bool WithinUlps(Interval x, double v, int ulps)
    {
        double lo = v, hi = v;
        for (int i = 0; i < ulps; i++) { lo = Math.BitDecrement(lo); hi = Math.BitIncrement(hi); }
        return x.Overlaps(new Interval(lo, hi));
    }

    private static Interval Shift(Interval z, double c) => z + Interval.Point(c);

    private static bool Near(Interval x, double v) => x.Lo - 1e-12 * (1 + Math.Abs(v)) <= v && v <= x.Hi + 1e-12 * (1 + Math.Abs(v));
}
