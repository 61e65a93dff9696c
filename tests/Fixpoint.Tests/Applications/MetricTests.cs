using Fixpoint.Applications;
using Fixpoint.Numerics;
using Fixpoint.Training;

namespace Fixpoint.Tests.Applications;

public class MetricTests
{
    [Fact]
    public void PsnrKnownValues()
    {
        // Peak-to-peak range 2 on [−1, 1]: PSNR = 10 log10(4 / MSE).
        var zero = new double[16];
        var off = Enumerable.Repeat(0.2, 16).ToArray();
        Assert.Equal(0.04, ImageMetrics.Mse(zero, off), 15);
        Assert.Equal(20.0, ImageMetrics.Psnr(zero, off), 12);
        Assert.Equal(0.0, ImageMetrics.Psnr(Enumerable.Repeat(-1.0, 9).ToArray(), Enumerable.Repeat(1.0, 9).ToArray()), 12);
        Assert.Equal(10 * Math.Log10(4 / 0.01), ImageMetrics.Psnr(0.01), 12);
        Assert.Equal(double.PositiveInfinity, ImageMetrics.Psnr(off, off));
        Assert.Equal(ImageMetrics.PsnrCap, ImageMetrics.CappedPsnr(0));
        // The same images on [0, 1] with peak 1 give the same PSNR.
        Assert.Equal(10 * Math.Log10(1 / (0.04 / 4)), ImageMetrics.Psnr(zero, off), 12);
        Quality q = Quality.Of([0.04, 0.0]);
        Assert.Equal(0.02, q.Mse, 15);
        Assert.Equal((20.0 + ImageMetrics.PsnrCap) / 2, q.Psnr, 12);
    }

    [Fact]
    public void HillIndexRecoversAParetoTail()
    {
        var rng = new Rng(11);
        const double alpha = 1.5;
        var x = Enumerable.Range(0, 40000).Select(_ => Math.Pow(rng.NextOpenDouble(), -1 / alpha) * (rng.NextDouble() < 0.5 ? -1 : 1)).ToArray();
        Assert.InRange(WeightTails.Hill(x), 1.4, 1.6);
        var g = Enumerable.Range(0, 40000).Select(_ => rng.Normal()).ToArray();
        Assert.True(WeightTails.Hill(g) > 4, "Gaussian weights have a light tail");
    }

    [Fact]
    public void PowerLawFitRecoversTheExponentOfParetoSamples()
    {
        var rng = new Rng(12);
        const double alpha = 2.5; // density exponent: p(x) ∝ x^(−2.5) above 1
        var x = Enumerable.Range(0, 3000).Select(_ => Math.Pow(rng.NextOpenDouble(), -1 / (alpha - 1))).ToArray();
        PowerLawFit? fit = WeightTails.PowerLaw(x);
        Assert.NotNull(fit);
        Assert.InRange(fit.Alpha, 2.3, 2.7);
        Assert.True(fit.KsDistance < 0.05);
        Assert.Null(WeightTails.PowerLaw([1, 2, 3]));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 5)]
    [InlineData(40, 12)]
    [InlineData(12, 40)]
    public void GramEigenvaluesAgreeWithTheSingularValues(int rows, int cols)
    {
        var rng = new Rng(13);
        var w = Enumerable.Range(0, rows * cols).Select(_ => rng.Normal()).ToArray();
        double[] ev = WeightTails.GramEigenvalues(w, rows, cols);
        var m = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(cols, rows, w);
        var s2 = m.Svd(false).S.Select(s => s * s).OrderBy(v => v).ToArray();
        Assert.Equal(Math.Min(rows, cols), ev.Length);
        for (int i = 0; i < ev.Length; i++) Assert.Equal(s2[i], ev[i], 1e-9 * s2[^1]);
    }
}
