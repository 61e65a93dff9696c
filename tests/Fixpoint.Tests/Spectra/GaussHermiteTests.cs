using Fixpoint.Spectra;

namespace Fixpoint.Tests.Spectra;

public class GaussHermiteTests
{
    /// <summary>E[ξ^m] for ξ ~ N(0, 1): 0 for odd m, (m − 1)!! for even m.</summary>
    private static double NormalMoment(int m)
    {
        if (m % 2 == 1) return 0;
        double r = 1;
        for (int k = m - 1; k > 1; k -= 2) r *= k;
        return r;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(10)]
    [InlineData(20)]
    public void AnNPointRuleIntegratesEveryPolynomialOfDegreeBelow2NExactly(int n)
    {
        GaussHermite gh = GaussHermite.Create(n);
        Assert.Equal(n, gh.Order);
        Assert.Equal(1.0, gh.Weights.Sum(), 14);
        for (int m = 0; m <= 2 * n - 1; m++)
        {
            double q = gh.Expect(x => Math.Pow(x, m));
            double exact = NormalMoment(m);
            double scale = Math.Max(1, gh.Expect(x => Math.Pow(Math.Abs(x), m))); // the size of the terms that cancel
            Assert.True(Math.Abs(q - exact) <= 1e-13 * scale, $"n = {n}, degree {m}: {q} vs {exact}");
        }
        // Degree 2n is the first the rule misses (its error is n! for the monic He_n²).
        if (n >= 1) Assert.True(Math.Abs(gh.Expect(x => Math.Pow(x, 2 * n)) - NormalMoment(2 * n)) > 0.5);
    }

    [Fact]
    public void KnownSmallRules()
    {
        GaussHermite two = GaussHermite.Create(2);
        Assert.Equal(-1.0, two.Nodes[0], 14);
        Assert.Equal(1.0, two.Nodes[1], 14);
        Assert.Equal(0.5, two.Weights[0], 14);
        GaussHermite three = GaussHermite.Create(3);
        Assert.Equal(-Math.Sqrt(3), three.Nodes[0], 14);
        Assert.Equal(0.0, three.Nodes[1], 14);
        Assert.Equal(1.0 / 6, three.Weights[0], 14);
        Assert.Equal(2.0 / 3, three.Weights[1], 14);
    }

    [Fact]
    public void HighOrderRulesAreAccurateOnSmoothFunctions()
    {
        GaussHermite gh = GaussHermite.Create(GaussHermite.MaxOrder);
        Assert.Equal(1.0, gh.Weights.Sum(), 12);
        // E[cos(aξ)] = exp(−a²/2); E[exp(ξ)] = e^(1/2); with variance q: E[ξ²] = q.
        Assert.Equal(Math.Exp(-2), gh.Expect(x => Math.Cos(2 * x)), 12);
        Assert.Equal(Math.Exp(0.5), GaussHermite.Create(40).Expect(Math.Exp), 12);
        Assert.Equal(2.5, GaussHermite.Create(4).Expect(x => x * x, 2.5), 13);
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussHermite.Create(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussHermite.Create(GaussHermite.MaxOrder + 1));
    }
}
