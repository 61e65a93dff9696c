using Fixpoint.Init;
using Fixpoint.Numerics;
using Fixpoint.Spectra;

namespace Fixpoint.Tests.Spectra;

public class TailIndexTests
{
    /// <summary>x = xmin · U^(−1/α): an exact Pareto sample.</summary>
    private static double[] Pareto(int n, double alpha, double xmin, ulong seed)
    {
        var rng = new Rng(seed);
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = xmin * Math.Pow(rng.NextOpenDouble(), -1.0 / alpha);
        return x;
    }

    [Theory]
    [InlineData(0.8)]
    [InlineData(1.0)]
    [InlineData(1.5)]
    [InlineData(3.0)]
    public void HillRecoversTheParetoIndexWithinTenPercent(double alpha)
    {
        double[] x = Pareto(1_000_000, alpha, 0.3, 7);
        HillResult h = TailIndex.Hill(x);
        Assert.Equal(1000, h.K); // ⌊√n⌋
        Assert.InRange(h.Index, 0.9 * alpha, 1.1 * alpha);
        Assert.InRange(alpha, h.CI95.Lo * 0.95, h.CI95.Hi * 1.05);
        Assert.True(h.KsDistance < 0.06, $"KS {h.KsDistance}");
    }

    [Fact]
    public void HillIndexOfACauchyMatrixIsNearOne()
    {
        var w = new double[400 * 400];
        new CauchyLaw(1).Fill(w, 400, 400, Rng.Derive(3, 0, 0));
        HillResult h = TailIndex.Hill(w);
        Assert.Equal(400, h.K);
        Assert.InRange(h.Index, 0.85, 1.15);
    }

    [Fact]
    public void HillUsesMagnitudesAndHonoursAnExplicitK()
    {
        double[] x = Pareto(10_000, 2, 1, 11);
        for (int i = 0; i < x.Length; i += 2) x[i] = -x[i];
        HillResult h = TailIndex.Hill(x, 200);
        Assert.Equal(200, h.K);
        Assert.InRange(h.Index, 1.6, 2.4);
        Assert.Throws<ArgumentOutOfRangeException>(() => TailIndex.Hill(x, x.Length));
        Assert.Throws<ArgumentException>(() => TailIndex.Hill([1.0, double.NaN, 2.0, 3.0]));
    }

    [Fact]
    public void HillPlotIsFlatForAnExactParetoSample()
    {
        double[] x = Pareto(100_000, 1.2, 1, 5);
        HillPlotData plot = TailIndex.HillPlot(x, 50);
        Assert.True(plot.K.Length > 30);
        Assert.True(plot.K.Zip(plot.K.Skip(1)).All(p => p.First < p.Second));
        // beyond the noisy first ranks the estimates stay near 1.2
        for (int j = 0; j < plot.K.Length; j++)
            if (plot.K[j] >= 1000) Assert.InRange(plot.Index[j], 1.05, 1.35);
    }

    [Fact]
    public void PowerLawFitRecoversAlphaOnAParetoSample()
    {
        double[] x = Pareto(5000, 2.5, 1, 21); // density exponent α = 1 + tail index
        PowerLawFit fit = TailIndex.FitPowerLaw(x.Select(v => v).ToArray());
        Assert.InRange(fit.Alpha, 3.5 * 0.95, 3.5 * 1.05);
        Assert.True(fit.KsDistance < 0.05, $"KS {fit.KsDistance}");
        Assert.True(fit.NTail > 1000, $"tail {fit.NTail}");
    }

    [Fact]
    public void PowerLawFitFindsTheStartOfTheTailAboveAUniformBody()
    {
        // 3000 values uniform on (0, 1), 3000 Pareto values with density ∝ x^−2.5 above 1.
        var rng = new Rng(99);
        double[] x = [.. Enumerable.Range(0, 3000).Select(_ => rng.NextOpenDouble()), .. Pareto(3000, 1.5, 1, 98)];
        PowerLawFit fit = TailIndex.FitPowerLaw(x);
        Assert.InRange(fit.Xmin, 0.95, 1.5);
        Assert.InRange(fit.Alpha, 2.3, 2.7);
        Assert.Equal(6000, fit.N);
    }

    [Fact]
    public void PowerLawFitRefusesTooFewPositiveSamples()
    {
        Assert.Throws<ArgumentException>(() => TailIndex.FitPowerLaw([0.0, -1.0, 2.0]));
        Assert.Throws<ArgumentException>(() => TailIndex.FitPowerLaw([1.0, double.PositiveInfinity, 2.0]));
    }
}
