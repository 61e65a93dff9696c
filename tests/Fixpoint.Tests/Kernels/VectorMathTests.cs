using Fixpoint.Numerics;

namespace Fixpoint.Tests.Kernels;

public class VectorMathTests
{
    private static long Ulps(double a, double b) =>
        a == b ? 0 : Math.Abs(BitConverter.DoubleToInt64Bits(a) - BitConverter.DoubleToInt64Bits(b));

    [Fact]
    public void TanhIsWithinTheDocumentedUlpsOfMathTanh()
    {
        var rng = new Rng(17);
        var x = new double[200_000];
        var y = new double[x.Length];
        foreach (double scale in new[] { 1e-12, 1e-3, 0.1, 0.2, 0.35, 0.7, 1, 2, 5, 19, 30, 1e4 })
        {
            for (int i = 0; i < x.Length; i++) x[i] = scale * (2 * rng.NextDouble() - 1);
            VectorMath.Tanh(x, y);
            for (int i = 0; i < x.Length; i++)
            {
                long u = Ulps(y[i], Math.Tanh(x[i]));
                Assert.True(u <= VectorMath.TanhMaxUlps, $"tanh({x[i]:R}) = {y[i]:R}, Math.Tanh {Math.Tanh(x[i]):R}: {u} ulps");
            }
        }
    }

    [Fact]
    public void TanhSpecialValues()
    {
        double[] x = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, double.Epsilon, -1e-310, 20, -20.5, 1e300, double.MaxValue];
        var y = new double[x.Length];
        VectorMath.Tanh(x, y);
        Assert.True(double.IsNaN(y[0]));
        Assert.Equal(1.0, y[1]);
        Assert.Equal(-1.0, y[2]);
        Assert.True(BitConverter.DoubleToInt64Bits(y[3]) == 0);
        Assert.True(double.IsNegative(y[4]) && y[4] == 0);
        Assert.Equal(double.Epsilon, y[5]);
        Assert.Equal(-1e-310, y[6]);
        Assert.Equal(1.0, y[7]);
        Assert.Equal(-1.0, y[8]);
        Assert.Equal(1.0, y[9]);
        Assert.Equal(1.0, y[10]);
    }

    /// <summary>Every length from 0 to 256, in place and not: each element equals the scalar function bit for bit.</summary>
    [Fact]
    public void TanhDoesNotDependOnPositionOrLength()
    {
        double[] all = KernelReference.Random(256, 5, 3.0);
        for (int len = 0; len <= 256; len++)
            for (int offset = 0; offset <= 3 && offset + len <= 256; offset += 3)
            {
                ReadOnlySpan<double> x = all.AsSpan(offset, len);
                var y = new double[len];
                VectorMath.Tanh(x, y);
                double[] inPlace = x.ToArray();
                VectorMath.Tanh(inPlace, inPlace);
                for (int i = 0; i < len; i++)
                {
                    double expected = VectorMath.Tanh(x[i]);
                    Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(y[i]));
                    Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(inPlace[i]));
                }
            }
    }
}
