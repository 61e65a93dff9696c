using Fixpoint.Init;
using Fixpoint.Maps;
using Fixpoint.Numerics;

namespace Fixpoint.Tests;

public class RandomNetworkTests
{
    [Theory]
    [InlineData("gaussian(2)")]
    [InlineData("cauchy(0.5)")]
    [InlineData("student-t(3,1.5)")]
    [InlineData("alpha-stable(1.5,1)")]
    [InlineData("uniform(0.7)")]
    [InlineData("orthogonal(1.2)")]
    [InlineData("constant(0.25)")]
    public void LawNamesRoundTrip(string spec)
    {
        WeightLaw law = WeightLaw.Parse(spec);
        Assert.Equal(law, WeightLaw.Parse(law.Name));
    }

    [Theory]
    [InlineData("gaussian(-1)")]
    [InlineData("cauchy(0)")]
    [InlineData("alpha-stable(2.5,1)")]
    [InlineData("levy(1)")]
    [InlineData("gaussian(1,2)")]
    [InlineData("uniform(abc)")]
    public void BadLawsAreRefusedWithAFormatException(string spec) =>
        Assert.Throws<FormatException>(() => WeightLaw.Parse(spec));

    [Fact]
    public void SampleStatisticsMatchTheLaws()
    {
        var v = new double[200_000];
        new GaussianLaw(2).Fill(v, v.Length, 1, new Rng(1));
        Assert.InRange(Math.Sqrt(v.Select(x => x * x).Average()), 1.98, 2.02);
        new CauchyLaw(0.5).Fill(v, v.Length, 1, new Rng(2));
        Assert.InRange(Median(v.Select(Math.Abs)), 0.49, 0.51); // median |Cauchy(0, s)| = s
        new UniformLaw(0.7).Fill(v, v.Length, 1, new Rng(3));
        Assert.True(v.All(x => x >= -0.7 && x < 0.7));
        Assert.InRange(v.Select(x => x * x).Average(), 0.49 / 3 * 0.98, 0.49 / 3 * 1.02);
        new StudentTLaw(5, 1).Fill(v, v.Length, 1, new Rng(4));
        Assert.InRange(v.Select(x => x * x).Average(), 5.0 / 3 * 0.95, 5.0 / 3 * 1.05); // Var t_5 = 5/3
        new AlphaStableLaw(2, 1).Fill(v, v.Length, 1, new Rng(5));
        Assert.InRange(v.Select(x => x * x).Average(), 1.97, 2.03); // S(2, 0, 1) = N(0, 2)
        new AlphaStableLaw(1, 1).Fill(v, v.Length, 1, new Rng(6));
        Assert.InRange(Median(v.Select(Math.Abs)), 0.98, 1.02);
    }

    [Fact]
    public void OrthogonalLawIsOrthogonal()
    {
        var w = new double[49];
        new OrthogonalLaw(1.5).Fill(w, 7, 7, new Rng(8));
        for (int i = 0; i < 7; i++)
            for (int j = 0; j < 7; j++)
            {
                double dot = 0;
                for (int k = 0; k < 7; k++) dot += w[k * 7 + i] * w[k * 7 + j];
                Assert.Equal(i == j ? 2.25 : 0.0, dot, 12);
            }
    }

    [Fact]
    public void ScaleConventionsMultiplyByTheFanIn()
    {
        var spec = new RandomNetworkSpec(16, 1, new TanhActivation(), new ConstantLaw(1), new ConstantLaw(0));
        Assert.Equal(0.25, spec.Build().Layers[0].Weight[0]);
        Assert.Equal(1.0 / 16, (spec with { Scaling = ScaleConvention.InverseN }).Build().Layers[0].Weight[3]);
        Assert.Equal(1.0, (spec with { Scaling = ScaleConvention.None }).Build().Layers[0].Weight[5]);
    }

    [Fact]
    public void TheSameSeedGivesTheSameNetworkBitForBit()
    {
        var spec = new RandomNetworkSpec(12, 3, new TanhActivation(), new CauchyLaw(1), new GaussianLaw(0.1), Seed: 42);
        Network a = spec.Build(), b = spec.Build(), c = (spec with { Seed = 43 }).Build();
        for (int l = 0; l < 3; l++)
        {
            Assert.Equal(a.Layers[l].Weight, b.Layers[l].Weight);
            Assert.Equal(a.Layers[l].Bias, b.Layers[l].Bias);
        }
        Assert.NotEqual(a.Layers[0].Weight, c.Layers[0].Weight);
        // Built on other threads, the network is the same.
        Network[] built = new Network[4];
        Parallel.For(0, 4, i => built[i] = spec.Build());
        Assert.All(built, n => Assert.Equal(a.Layers[2].Weight, n.Layers[2].Weight));
    }

    [Fact]
    public void RngStreamIsPinned()
    {
        // The generator is ours (xoshiro256** seeded by SplitMix64): its output must never change, or old seeds would give new networks.
        var r = new Rng(0);
        Assert.Equal(0x99EC5F36CB75F2B4UL, r.NextUInt64());
    }

    private static double Median(IEnumerable<double> xs)
    {
        var s = xs.OrderBy(x => x).ToArray();
        return s[s.Length / 2];
    }
}
