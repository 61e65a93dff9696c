using Fixpoint.Applications;

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
}
